package io.berth.server.image.archive;

import io.berth.server.image.registry.MediaTypes;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The OCI media type of a layer blob that no manifest describes (docker save's layers, or an export whose
 * manifest is gone), told from its first bytes: gzip and zstd by their magic numbers, else a plain tar.
 * A blob that is none of these fails later, when it is unpacked, with the applier's own message.
 */
final class LayerMediaType {
    private static final byte[] GZIP_MAGIC = {0x1f, (byte) 0x8b};
    private static final byte[] ZSTD_MAGIC = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd};

    private LayerMediaType() {}

    /** Reads the first bytes of {@code blob}, which the caller closes. */
    static String of(InputStream blob) throws IOException {
        byte[] head = blob.readNBytes(ZSTD_MAGIC.length);
        if (startsWith(head, GZIP_MAGIC)) {
            return MediaTypes.OCI_LAYER_GZIP;
        }
        return startsWith(head, ZSTD_MAGIC) ? MediaTypes.OCI_LAYER_ZSTD : MediaTypes.OCI_LAYER;
    }

    private static boolean startsWith(byte[] head, byte[] magic) {
        return head.length >= magic.length && Arrays.equals(head, 0, magic.length, magic, 0, magic.length);
    }
}

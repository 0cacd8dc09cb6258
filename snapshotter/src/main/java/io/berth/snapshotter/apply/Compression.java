package io.berth.snapshotter.apply;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import io.berth.common.error.InvalidArgumentException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/** How a layer blob is compressed, known from its first bytes and cross-checked with its media type. */
public enum Compression {
    NONE, GZIP, ZSTD;

    private static final byte[] GZIP_MAGIC = {0x1f, (byte) 0x8b};
    private static final byte[] ZSTD_MAGIC = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd};
    private static final byte[] BZIP2_MAGIC = {'B', 'Z', 'h'};
    private static final byte[] XZ_MAGIC = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0};

    /** Reads the magic bytes of {@code in} (which must support mark) without consuming them. */
    static Compression detect(BufferedInputStream in) throws IOException {
        in.mark(8);
        byte[] head = in.readNBytes(6);
        in.reset();
        if (startsWith(head, GZIP_MAGIC)) {
            return GZIP;
        }
        if (startsWith(head, ZSTD_MAGIC)) {
            return ZSTD;
        }
        if (startsWith(head, BZIP2_MAGIC) || startsWith(head, XZ_MAGIC)) {
            throw new InvalidArgumentException("layer is bzip2 or xz compressed; OCI layers are tar, tar+gzip"
                    + " or tar+zstd");
        }
        return NONE;
    }

    /**
     * What the media type says, or null when it does not say (absent, or a type this code does not know).
     * OCI: {@code application/vnd.oci.image.layer.v1.tar[+gzip|+zstd]}; Docker:
     * {@code application/vnd.docker.image.rootfs.diff.tar.gzip}.
     */
    static Compression fromMediaType(String mediaType) {
        if (mediaType == null || mediaType.isEmpty()) {
            return null;
        }
        if (mediaType.endsWith("+gzip") || mediaType.endsWith(".tar.gzip")) {
            return GZIP;
        }
        if (mediaType.endsWith("+zstd")) {
            return ZSTD;
        }
        if (mediaType.endsWith(".tar") || mediaType.endsWith("layer.v1.tar")) {
            return NONE;
        }
        return null;
    }

    InputStream decompress(InputStream in) throws IOException {
        switch (this) {
            case GZIP:
                return new GZIPInputStream(in, 64 * 1024); // reads concatenated members too, as gzip(1) does
            case ZSTD:
                return new ZstdInputStreamNoFinalizer(in);
            default:
                return in;
        }
    }

    private static boolean startsWith(byte[] head, byte[] magic) {
        return head.length >= magic.length && Arrays.equals(head, 0, magic.length, magic, 0, magic.length);
    }
}

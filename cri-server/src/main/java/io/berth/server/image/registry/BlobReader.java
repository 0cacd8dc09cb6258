package io.berth.server.image.registry;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a blob's bytes while they arrive and are stored, in the same pass (a layer unpacked as it downloads).
 * It reads to the end of the stream; whatever it leaves is stored all the same.
 */
public interface BlobReader {
    /** Reads the blob as it arrives. A throw fails the download, unless the stream itself failed first. */
    void read(InputStream bytes) throws IOException;

    /**
     * What {@link #read} did is void: the bytes it read did not turn out to be the blob (the download broke off
     * afterwards, or its digest was wrong), and the blob comes from another attempt or another host.
     */
    void abandon();

    /**
     * The reader failed on bytes that were the blob (its digest matched): the blob's content is at fault, not
     * the registry, so no other host is tried. Neither an IOException nor a BerthException for that reason.
     */
    final class Failed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failed(Throwable cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }
}

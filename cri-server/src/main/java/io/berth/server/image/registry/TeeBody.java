package io.berth.server.image.registry;

import java.io.IOException;
import java.io.InputStream;

/**
 * A blob's response body as a {@link BlobReader} reads it: every byte read is stored in the sink first, and
 * progress told. A failure of the body or of the sink is kept, so that the download reports it as its own
 * rather than as the reader's.
 */
final class TeeBody extends BulkInputStream {
    interface Store {
        void store(byte[] bytes, int offset, int length);
    }

    private final InputStream body;
    private final Store store;
    private final Runnable progress;
    private Throwable failure;

    TeeBody(InputStream body, Store store, Runnable progress) {
        this.body = body;
        this.store = store;
        this.progress = progress;
    }

    /** The failure of the body or the sink seen by a read, or null. */
    Throwable failure() {
        return failure;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (failure != null) {
            throw new IOException("the download failed already: " + failure.getMessage(), failure);
        }
        try {
            int n = body.read(buffer, offset, length);
            if (n > 0) {
                store.store(buffer, offset, n);
                progress.run();
            }
            return n;
        } catch (IOException | RuntimeException | Error e) {
            failure = e;
            throw e;
        }
    }

    /** Stores what the reader left unread. */
    void drain(byte[] buffer) throws IOException {
        while (read(buffer, 0, buffer.length) >= 0) {
            // stored by read
        }
    }
}

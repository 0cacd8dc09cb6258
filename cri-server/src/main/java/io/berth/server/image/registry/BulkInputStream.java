package io.berth.server.image.registry;

import java.io.IOException;
import java.io.InputStream;

/** A body read in arrays; a single-byte read is an array read of one, so each body implements only that. */
abstract class BulkInputStream extends InputStream {
    @Override
    public final int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public abstract int read(byte[] buffer, int offset, int length) throws IOException;
}

package io.berth.snapshotter.apply;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Counts the uncompressed bytes of a layer and fails once they pass the bound. Wrapped around the
 * decompressor itself, so that content, skipped entries and the padding drained after the end of the
 * archive all count: a decompression bomb is cut off however its bytes are spent.
 */
final class CappedInputStream extends FilterInputStream {
    private final long max;
    private long count;

    CappedInputStream(InputStream in, long max) {
        super(in);
        this.max = max;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            add(1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            add(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = in.skip(n);
        if (skipped > 0) {
            add(skipped);
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false; // a reset would count bytes twice
    }

    private void add(long n) {
        count += n;
        if (count > max) {
            throw new LayerLimitException(LayerLimits.UNCOMPRESSED_BYTES, max,
                    "its uncompressed tar is larger than that");
        }
    }
}

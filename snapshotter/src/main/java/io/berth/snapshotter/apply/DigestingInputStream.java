package io.berth.snapshotter.apply;

import io.berth.linux.Sha256;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/** Counts and sha256-hashes (unless told not to) every byte read through it, skipped bytes included. */
final class DigestingInputStream extends FilterInputStream {
    private final MessageDigest sha256;
    private long count;

    DigestingInputStream(InputStream in) {
        this(in, true);
    }

    /** Counting only, when {@code hash} is false: the caller checks these bytes' digest elsewhere. */
    DigestingInputStream(InputStream in, boolean hash) {
        super(in);
        if (!hash) {
            sha256 = null;
            return;
        }
        sha256 = Sha256.newHasher();
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0 && sha256 != null) {
            sha256.update((byte) b);
        }
        if (b >= 0) {
            count++;
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0 && sha256 != null) {
            sha256.update(b, off, n);
        }
        if (n > 0) {
            count += n;
        }
        return n;
    }

    /** Skipping must still hash, so it reads. */
    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(n, 64 * 1024)];
        int got = read(buf, 0, buf.length);
        return Math.max(got, 0);
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    long count() {
        return count;
    }

    /** The sha256 of what was read, or null when not hashing. */
    String digest() {
        if (sha256 == null) {
            return null;
        }
        return "sha256:" + HexFormat.of().formatHex(sha256.digest());
    }
}

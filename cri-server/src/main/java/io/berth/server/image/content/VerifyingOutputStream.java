package io.berth.server.image.content;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.function.BooleanSupplier;

/**
 * The stream a {@link BlobSource} writes into: bytes go to the ingest file and through the hasher, and a
 * source that offers more than the expected size is stopped at the first extra byte rather than being
 * allowed to fill the disk. Once another writer has committed the same digest ({@code superseded}), the
 * next write or restart throws {@link Superseded}, so a slow source stops instead of finishing a copy
 * nobody needs.
 */
final class VerifyingOutputStream extends BlobSink {
    private final FileChannel file;
    private MessageDigest hasher;
    private final Digest expected;
    private final long expectedSize;
    private final BooleanSupplier superseded;
    private long written;
    /** The outcome of the last verify(), kept because finishing a hash resets the hasher. */
    private Boolean hashMatched;

    VerifyingOutputStream(FileChannel file, Digest expected, long expectedSize) {
        this(file, expected, expectedSize, () -> false);
    }

    VerifyingOutputStream(FileChannel file, Digest expected, long expectedSize, BooleanSupplier superseded) {
        this.superseded = superseded;
        this.file = file;
        this.hasher = expected.newHasher();
        this.expected = expected;
        this.expectedSize = expectedSize;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (length == 0) {
            return;
        }
        checkNotSuperseded();
        if (written + length > expectedSize) {
            throw new BlobVerificationException("blob " + expected + " is larger than its declared size of "
                    + expectedSize + " bytes; refusing the extra data");
        }
        hashMatched = null;
        hasher.update(bytes, offset, length);
        ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
        while (buffer.hasRemaining()) {
            file.write(buffer);
        }
        written += length;
    }

    @Override
    public long written() {
        return written;
    }

    @Override
    public void restart() throws IOException {
        checkNotSuperseded();
        file.truncate(0);
        file.position(0);
        hasher = expected.newHasher();
        hashMatched = null;
        written = 0;
    }

    @Override
    public void verify() {
        if (written != expectedSize) {
            throw new BlobVerificationException("blob " + expected + " is incomplete: got " + written + " of "
                    + expectedSize + " bytes");
        }
        if (hashMatched == null) {
            hashMatched = expected.matches(hasher);
        }
        if (!hashMatched) {
            throw new BlobVerificationException("blob content does not match its digest " + expected
                    + " (" + written + " bytes received): the source sent different or corrupted data");
        }
    }

    private void checkNotSuperseded() {
        if (superseded.getAsBoolean()) {
            throw new Superseded(expected);
        }
    }

    /**
     * Thrown through the source when another writer committed the blob first. Deliberately neither an
     * IOException nor a BerthException, so that a source neither wraps it nor tries another mirror on it;
     * the store catches it and returns the committed blob.
     */
    static final class Superseded extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Superseded(Digest digest) {
            super("blob " + digest + " was committed by another download", null, false, false);
        }
    }
}

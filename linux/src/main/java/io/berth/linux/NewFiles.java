package io.berth.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Writes regular files that must not exist yet, and gives them owner, mode and times through the descriptor
 * that created them: one open, the writes, fchown, fchmod, futimens, close. Setting those by path costs a path
 * walk each, and an fchmodat that must not follow a link costs glibc four calls (it goes through /proc); for
 * the thousands of small files of an image layer that was most of the work. The open refuses whatever is at
 * the path already, a symbolic link included, so nothing is written through a link.
 *
 * <p>One instance holds a native buffer for the writes; it is used by one thread, and closed when done.
 */
public final class NewFiles implements AutoCloseable {
    private static final int O_WRONLY = 01;
    private static final int O_CREAT = 0100;
    private static final int O_EXCL = 0200;
    private static final int O_NOFOLLOW = 0400000;
    private static final int O_CLOEXEC = 02000000;

    private final byte[] chunk;
    private final Memory buffer;

    /** {@code bufferSize}: the largest single write. */
    public NewFiles(int bufferSize) {
        this.chunk = new byte[bufferSize];
        this.buffer = new Memory(bufferSize);
    }

    /**
     * Creates {@code path} with the content of {@code in} (read to its end), owner {@code uid:gid}, all twelve mode
     * bits of {@code mode} and {@code mtime} as both its times. False, with nothing created and nothing read, when
     * something is at {@code path} already. A file half-written when a call fails is left for the caller to remove.
     */
    public boolean create(Path path, InputStream in, int uid, int gid, int mode, Instant mtime) throws IOException {
        int fd;
        try {
            fd = FileCalls.open(NativePaths.of(path), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ErrnoException.EEXIST) {
                return false;
            }
            throw new ErrnoException("open(" + path + ", O_CREAT|O_EXCL|O_NOFOLLOW)", e.getErrorCode());
        }
        try {
            copy(path, in, fd);
            try {
                // Owner before mode: a change of owner clears setuid and setgid.
                FileCalls.fchown(fd, uid, gid);
                FileCalls.fchmod(fd, mode & 07777);
                FileCalls.futimens(fd, new long[] {mtime.getEpochSecond(), mtime.getNano(), mtime.getEpochSecond(),
                        mtime.getNano()});
            } catch (LastErrorException e) {
                throw new ErrnoException("setting owner " + uid + ":" + gid + ", mode 0" + Integer.toOctalString(mode)
                        + " and times of " + path, e.getErrorCode());
            }
        } finally {
            try {
                FileCalls.close(fd);
            } catch (LastErrorException e) {
                // the descriptor is gone either way; what was written was written
            }
        }
        return true;
    }

    private void copy(Path path, InputStream in, int fd) throws IOException {
        for (int n = in.readNBytes(chunk, 0, chunk.length); n > 0; n = in.readNBytes(chunk, 0, chunk.length)) {
            buffer.write(0, chunk, 0, n);
            for (long done = 0; done < n; ) {
                try {
                    done += FileCalls.write(fd, buffer.share(done), n - done);
                } catch (LastErrorException e) {
                    // As the JDK words it (strerror), so that a full disk is recognised as one by its message.
                    throw new IOException(path + ": " + ErrnoException.describe(e.getErrorCode()), e);
                }
            }
        }
    }

    @Override
    public void close() {
        buffer.close();
    }
}

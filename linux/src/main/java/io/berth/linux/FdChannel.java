package io.berth.linux;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;

/**
 * A blocking channel over a raw descriptor (a pipe end, a unix socket, a pty master), so stream code
 * written against NIO channels can use descriptors that came from outside the JDK. The channel owns the
 * descriptor. One reader and one writer may work at the same time.
 *
 * <p>Closing while another thread is blocked in a read or write wakes it only for a socket (which is
 * shut down); the descriptor is released once that call returns, so its number cannot be reused under
 * the call.
 */
public final class FdChannel implements ByteChannel {
    private static final int STAGING_BYTES = 16 * 1024;

    private final int fd;
    private final Object readLock = new Object();
    private final Object writeLock = new Object();
    private final Object stateLock = new Object();
    // Heap buffers cannot be handed to native code; their bytes pass through these, made on first need.
    private ByteBuffer readStaging;
    private ByteBuffer writeStaging;
    private int callsInFlight;
    private boolean closed;

    public FdChannel(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("not a descriptor: " + fd);
        }
        this.fd = fd;
    }

    public int fd() {
        return fd;
    }

    /** Reads what is available, blocking until at least one byte is; -1 at end of stream. */
    @Override
    public int read(ByteBuffer dst) throws IOException {
        synchronized (readLock) {
            begin();
            try {
                if (!dst.hasRemaining()) {
                    return 0;
                }
                if (dst.isDirect()) {
                    int n = readOnce(dst, dst.remaining());
                    if (n > 0) {
                        dst.position(dst.position() + n);
                    }
                    return n;
                }
                if (readStaging == null) {
                    readStaging = ByteBuffer.allocateDirect(STAGING_BYTES);
                }
                readStaging.clear();
                int n = readOnce(readStaging, Math.min(dst.remaining(), STAGING_BYTES));
                if (n > 0) {
                    dst.put(readStaging.limit(n));
                }
                return n;
            } finally {
                end();
            }
        }
    }

    /** Writes all of {@code src}'s remaining bytes, blocking as long as that takes, and returns their count. */
    @Override
    public int write(ByteBuffer src) throws IOException {
        synchronized (writeLock) {
            int total = src.remaining();
            begin();
            try {
                if (src.isDirect()) {
                    writeAll(src);
                    return total;
                }
                if (writeStaging == null) {
                    writeStaging = ByteBuffer.allocateDirect(STAGING_BYTES);
                }
                while (src.hasRemaining()) {
                    writeStaging.clear();
                    ByteBuffer chunk = src.duplicate();
                    chunk.limit(chunk.position() + Math.min(chunk.remaining(), STAGING_BYTES));
                    writeStaging.put(chunk).flip();
                    writeAll(writeStaging);
                    src.position(chunk.position());
                }
                return total;
            } finally {
                end();
            }
        }
    }

    @Override
    public boolean isOpen() {
        synchronized (stateLock) {
            return !closed;
        }
    }

    /** Closes the descriptor, once however often this is called; see the class comment about blocked calls. */
    @Override
    public void close() {
        synchronized (stateLock) {
            if (closed) {
                return;
            }
            closed = true;
            if (callsInFlight == 0) {
                FileDescriptors.closeQuietly(fd);
            } else {
                // A socket's blocked read or write returns once it is shut down; the last one out closes.
                UnixSockets.shutdown(fd);
            }
        }
    }

    // JNA passes the direct buffer's address at its position.
    private int readOnce(ByteBuffer buf, int count) throws ErrnoException {
        while (true) {
            try {
                int n = (int) FdCalls.read(fd, buf, count);
                return n == 0 ? -1 : n;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != ErrnoException.EINTR) {
                    throw new ErrnoException("read(" + fd + ")", e.getErrorCode());
                }
            }
        }
    }

    private void writeAll(ByteBuffer buf) throws ErrnoException {
        while (buf.hasRemaining()) {
            try {
                int n = (int) FdCalls.write(fd, buf, buf.remaining());
                buf.position(buf.position() + n);
            } catch (LastErrorException e) {
                if (e.getErrorCode() != ErrnoException.EINTR) {
                    throw new ErrnoException("write(" + fd + ")", e.getErrorCode());
                }
            }
        }
    }

    private void begin() throws ClosedChannelException {
        synchronized (stateLock) {
            if (closed) {
                throw new ClosedChannelException();
            }
            callsInFlight++;
        }
    }

    // The last call to leave a closed channel releases the descriptor that close() could not.
    private void end() {
        synchronized (stateLock) {
            callsInFlight--;
            if (closed && callsInFlight == 0) {
                FileDescriptors.closeQuietly(fd);
            }
        }
    }
}

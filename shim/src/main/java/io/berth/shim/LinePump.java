package io.berth.shim;

import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Reads one output stream of the container until it ends and writes it to the CRI log line by line.
 * Memory is bounded whatever the container writes: a line longer than {@link #MAX_LINE} is cut into P
 * chunks, and output that ends without a newline is flushed as a P chunk.
 */
final class LinePump implements Runnable {
    /** kubelet's and containerd's maximum log line; longer lines become P chunks of this size. */
    static final int MAX_LINE = 16 * 1024;

    /** Sees every chunk of output as read, before it is logged; must not block (see {@link AttachHub}). */
    interface OutputListener {
        void output(CriLog.Stream stream, ByteBuffer chunk);
    }

    private final int fd;
    private final CriLog.Stream stream;
    private final CriLog log;
    private final OutputListener listener;
    private final CountDownLatch ended = new CountDownLatch(1);

    LinePump(int fd, CriLog.Stream stream, CriLog log, OutputListener listener) {
        this.fd = fd;
        this.stream = stream;
        this.log = log;
        this.listener = listener;
    }

    /** Starts pumping on a daemon thread. */
    static LinePump start(int fd, CriLog.Stream stream, CriLog log, OutputListener listener) {
        LinePump pump = new LinePump(fd, stream, log, listener);
        Thread thread = new Thread(null, pump, "pump-" + stream.name().toLowerCase() + "-" + fd, 64 * 1024);
        thread.setDaemon(true);
        thread.start();
        return pump;
    }

    @Override
    public void run() {
        ByteBuffer chunk = ByteBuffer.allocateDirect(32 * 1024);
        byte[] line = new byte[MAX_LINE];
        int length = 0;
        try {
            while (FileDescriptors.read(fd, chunk) > 0) {
                listener.output(stream, chunk.duplicate());
                while (chunk.hasRemaining()) {
                    byte b = chunk.get();
                    if (b == '\n') {
                        log.write(stream, false, line, length);
                        length = 0;
                    } else {
                        line[length++] = b;
                        if (length == MAX_LINE) {
                            log.write(stream, true, line, length);
                            length = 0;
                        }
                    }
                }
            }
        } catch (ErrnoException e) {
            // A terminal master reads EIO once the last slave is closed: that is its end of file.
            if (e.errno() != ErrnoException.EIO) {
                ShimLog.error("reading container " + stream + " failed: " + e.getMessage());
            }
        } finally {
            if (length > 0) {
                log.write(stream, true, line, length);
            }
            ended.countDown();
        }
    }

    /** Waits until the stream has ended and everything read was logged; false on timeout. */
    boolean awaitEnd(long timeout, TimeUnit unit) throws InterruptedException {
        return ended.await(timeout, unit);
    }
}

package io.berth.shim;

import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import io.berth.shim.stdio.Frame;
import io.berth.shim.stdio.FrameWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Copies one output descriptor of an exec'd process (a pipe, or the terminal master) to the client as
 * frames of one type, until the descriptor ends or the client goes away. It reads only after the last
 * frame was written, so a client that stops reading stops the process at its next write: the shim
 * never holds more than one chunk per stream.
 */
final class FramePump implements Runnable {
    private static final int CHUNK = 16 * 1024;

    private final SharedFd fd;
    private final Frame.Type type;
    private final FrameWriter out;
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile boolean inRead;
    private volatile long lastProgressNanos = System.nanoTime();

    private FramePump(SharedFd fd, Frame.Type type, FrameWriter out) {
        this.fd = fd;
        this.type = type;
        this.out = out;
    }

    /** Starts pumping on a daemon thread; the pump closes the descriptor when it ends. */
    static FramePump start(SharedFd fd, Frame.Type type, FrameWriter out, String name) {
        FramePump pump = new FramePump(fd, type, out);
        Thread thread = new Thread(null, pump, name, 64 * 1024);
        thread.setDaemon(true);
        thread.start();
        return pump;
    }

    @Override
    public void run() {
        int descriptor = fd.acquire();
        ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
        try {
            while (descriptor >= 0) {
                inRead = true;
                int n = FileDescriptors.read(descriptor, chunk);
                inRead = false;
                lastProgressNanos = System.nanoTime();
                if (n == 0) {
                    break;
                }
                out.write(type, chunk);
                lastProgressNanos = System.nanoTime();
            }
        } catch (ErrnoException e) {
            // EIO on a terminal master once the last slave closed is its end of file.
            if (e.errno() != ErrnoException.EIO) {
                ShimLog.error("reading exec " + type + " failed: " + e.getMessage());
            }
        } catch (IOException clientGone) {
            // The client closed the connection: nobody to copy to. The session kills the process.
        } finally {
            inRead = false;
            fd.close();
            if (descriptor >= 0) {
                fd.release();
            }
            ended.countDown();
        }
    }

    /**
     * Waits, after the process exited, until everything it wrote was sent. A pump that is still copying
     * (the client reads slowly) is waited for; one that has sat in a read with nothing arriving for
     * {@code quiet} is given up on: a leftover child of the process holds the descriptor open.
     */
    void drain(long quiet, TimeUnit unit) throws InterruptedException {
        long quietNanos = unit.toNanos(quiet);
        while (!ended.await(50, TimeUnit.MILLISECONDS)) {
            if (inRead && System.nanoTime() - lastProgressNanos > quietNanos) {
                return;
            }
        }
    }
}

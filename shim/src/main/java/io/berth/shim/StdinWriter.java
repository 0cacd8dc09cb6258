package io.berth.shim;

import io.berth.linux.Epoll;
import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import io.berth.shim.stdio.Frame;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Writes client bytes to a process's stdin (a pipe, or a terminal master) on the event loop without
 * blocking it. What the process does not take at once waits here, one frame per writer, and the writer
 * stops reading its client until it is told the frame went in: a process that does not read its stdin
 * holds its clients back, not the loop and not the shim's heap. Once the process stops reading for good
 * (EPIPE) or its stdin is closed, client bytes are dropped.
 */
final class StdinWriter {
    /** Writes go through this one at a time on the loop thread. */
    private static final ThreadLocal<ByteBuffer> STAGING =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(Frame.MAX_PAYLOAD));

    private record Waiting(ByteBuffer data, Runnable written) {}

    private final EventLoop loop;
    private final SharedFd stdin;
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    /**
     * A duplicate of the descriptor, watched for room while bytes wait: a terminal master is already in the
     * loop for its output, and epoll takes a descriptor number once.
     */
    private int watchedFd = -1;
    private long token;

    /** {@code stdin} must be non-blocking. */
    StdinWriter(EventLoop loop, SharedFd stdin) {
        this.loop = loop;
        this.stdin = stdin;
    }

    /**
     * Writes {@code data} if the process takes it now and returns true; else keeps it, returns false, and
     * runs {@code written} once it went in (or was dropped). On the loop thread; the caller sends nothing
     * more until then.
     */
    boolean write(byte[] data, Runnable written) {
        ByteBuffer rest = ByteBuffer.wrap(data);
        if (waiting.isEmpty() && writeSome(rest)) {
            return true;
        }
        waiting.add(new Waiting(rest, written));
        watch();
        return false;
    }

    /** Writes what the descriptor takes; true once nothing of {@code data} is left to write. */
    private boolean writeSome(ByteBuffer data) {
        int fd = stdin.acquire();
        if (fd < 0) {
            return true; // closed: dropped
        }
        try {
            ByteBuffer staging = STAGING.get();
            staging.clear();
            staging.put(data.duplicate()).flip();
            int n = FileDescriptors.writeSome(fd, staging);
            data.position(data.position() + n);
            return !data.hasRemaining();
        } catch (ErrnoException e) {
            // EPIPE: nobody reads stdin any more; EIO: the terminal hung up. Either way it is over.
            stdin.close();
            return true;
        } finally {
            stdin.release();
        }
    }

    private void watch() {
        if (watchedFd >= 0) {
            return;
        }
        int fd = stdin.acquire();
        if (fd < 0) {
            writable(0);
            return;
        }
        try {
            watchedFd = FileDescriptors.dup(fd);
        } catch (ErrnoException e) {
            ShimLog.error("cannot watch stdin for room: " + e.getMessage() + "; its waiting bytes are dropped");
            stdin.release();
            dropWaiting();
            return;
        }
        stdin.release();
        token = loop.register(watchedFd, Epoll.OUT, this::writable);
    }

    private void writable(int events) {
        while (!waiting.isEmpty()) {
            Waiting next = waiting.peek();
            if (!writeSome(next.data())) {
                return;
            }
            waiting.poll();
            next.written().run();
        }
        unwatch();
    }

    private void unwatch() {
        if (watchedFd >= 0) {
            int fd = watchedFd;
            watchedFd = -1;
            loop.unregister(token, () -> FileDescriptors.closeQuietly(fd));
        }
    }

    private void dropWaiting() {
        while (!waiting.isEmpty()) {
            waiting.poll().written().run();
        }
    }

    /**
     * Ends stdin: the descriptor closes once no write is under way, and bytes still waiting are dropped.
     * From any thread.
     */
    void close() {
        stdin.close();
        loop.execute(() -> {
            dropWaiting();
            unwatch();
        });
    }
}

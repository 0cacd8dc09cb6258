package io.berth.shim;

import io.berth.linux.Epoll;
import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import io.berth.shim.stdio.Frame;
import java.nio.ByteBuffer;

/**
 * Copies one output stream of an exec'd process (a pipe or its terminal master) to the session's
 * connection, on the event loop: one chunk per wakeup, so a process that writes as fast as it can gets
 * one turn per round like every container. While the connection holds more than the session allows, the
 * pump is paused: the pipe fills and the process waits in its write, the shim holds no more.
 */
final class OutputPump {
    private static final int CHUNK = 32 * 1024;
    /** Pumps run only on the loop thread, one at a time, so they share one read buffer. */
    private static final ThreadLocal<ByteBuffer> READ_BUFFER =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(CHUNK));

    /** Where the output goes; on the loop thread. */
    interface Sink {
        /** A chunk the pump read; returns whether the pump may read on (false pauses it). */
        boolean output(Frame.Type type, ByteBuffer chunk);

        /** The stream ended (end of file, or the terminal hung up); the pump has closed its descriptor. */
        void ended(OutputPump pump);
    }

    private final EventLoop loop;
    private final SharedFd fd;
    private final Frame.Type type;
    private final Sink sink;
    private long token;
    private boolean paused;
    private boolean ended;
    private long lastProgressNanos = System.nanoTime();

    private OutputPump(EventLoop loop, SharedFd fd, Frame.Type type, Sink sink) {
        this.loop = loop;
        this.fd = fd;
        this.type = type;
        this.sink = sink;
    }

    /** Starts pumping {@code descriptor} (made non-blocking); on the loop thread. The pump closes it when it ends. */
    static OutputPump start(EventLoop loop, SharedFd fd, Frame.Type type, Sink sink) throws ErrnoException {
        int descriptor = fd.acquire();
        try {
            FileDescriptors.setNonBlocking(descriptor, true);
        } finally {
            fd.release();
        }
        OutputPump pump = new OutputPump(loop, fd, type, sink);
        pump.token = loop.register(descriptor, Epoll.IN, pump::ready);
        return pump;
    }

    private void ready(int events) {
        if (ended || paused) {
            return;
        }
        int descriptor = fd.acquire();
        if (descriptor < 0) {
            end();
            return;
        }
        ByteBuffer chunk = READ_BUFFER.get();
        int n;
        try {
            n = FileDescriptors.readSome(descriptor, chunk);
        } catch (ErrnoException e) {
            // EIO on a terminal master once the last slave closed is its end of file.
            if (e.errno() != ErrnoException.EIO) {
                ShimLog.error("reading exec " + type + " failed: " + e.getMessage());
            }
            n = 0;
        } finally {
            fd.release();
        }
        if (n < 0) {
            return;
        }
        lastProgressNanos = System.nanoTime();
        if (n == 0) {
            end();
            return;
        }
        if (!sink.output(type, chunk)) {
            paused = true;
            loop.interest(token, 0);
        }
    }

    /** Reads on after a pause. */
    void resume() {
        if (paused && !ended) {
            paused = false;
            lastProgressNanos = System.nanoTime();
            loop.interest(token, Epoll.IN);
        }
    }

    /** Whether it waits for the client, not for the process. */
    boolean paused() {
        return paused;
    }

    boolean ended() {
        return ended;
    }

    /**
     * Whether it has been reading (not paused) with nothing arriving for {@code nanos}, counted from
     * {@code sinceNanos} at the earliest: after the process's exit, a leftover child may hold the stream.
     */
    boolean quietSince(long sinceNanos, long nanos) {
        long from = lastProgressNanos - sinceNanos > 0 ? lastProgressNanos : sinceNanos;
        return !paused && !ended && System.nanoTime() - from > nanos;
    }

    /** Stops and closes the descriptor (given up on, or at its end of file). */
    void end() {
        if (ended) {
            return;
        }
        ended = true;
        loop.unregister(token, fd::close);
        sink.ended(this);
    }
}

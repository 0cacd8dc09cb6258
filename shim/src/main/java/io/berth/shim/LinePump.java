package io.berth.shim;

import io.berth.linux.Epoll;
import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * Reads one output stream of a container (a pipe or the terminal master) on the event loop and writes
 * it to the CRI log line by line. One chunk per wakeup, from a buffer the loop's pumps share, so a
 * pump costs its partial line and nothing more; the chunk's lines reach the log in a few writes (see
 * {@link CriLog}), so a turn costs about the same however short the lines are. Memory is bounded
 * whatever the container writes: a line longer than {@link #MAX_LINE} is cut into P chunks, and output
 * that ends without a newline is flushed as a P chunk.
 */
final class LinePump implements EventLoop.Handler {
    /** kubelet's and containerd's maximum log line; longer lines become P chunks of this size. */
    static final int MAX_LINE = 16 * 1024;
    private static final int CHUNK = 32 * 1024;
    /** Pumps run only on the loop thread, one at a time, so they can share one read buffer. */
    private static final ThreadLocal<ByteBuffer> READ_BUFFER =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(CHUNK));

    /** Sees every chunk of output as read, before it is logged; must not block (see {@link AttachHub}). */
    interface OutputListener {
        void output(CriLog.Stream stream, ByteBuffer chunk);
    }

    private final EventLoop loop;
    private final int fd;
    private final CriLog.Stream stream;
    private final CriLog log;
    private final OutputListener listener;
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private byte[] line = new byte[128];
    private int length;
    private long token;
    private boolean stopped;

    private LinePump(EventLoop loop, int fd, CriLog.Stream stream, CriLog log, OutputListener listener) {
        this.loop = loop;
        this.fd = fd;
        this.stream = stream;
        this.log = log;
        this.listener = listener;
    }

    /** Starts pumping {@code fd} (made non-blocking) on the loop. The pump does not close it. */
    static LinePump start(EventLoop loop, int fd, CriLog.Stream stream, CriLog log, OutputListener listener)
            throws ErrnoException {
        FileDescriptors.setNonBlocking(fd, true);
        LinePump pump = new LinePump(loop, fd, stream, log, listener);
        pump.token = loop.register(fd, Epoll.IN, pump::ready);
        return pump;
    }

    int fd() {
        return fd;
    }

    @Override
    public void ready(int events) {
        if (stopped) {
            return;
        }
        ByteBuffer chunk = READ_BUFFER.get();
        int n;
        try {
            n = FileDescriptors.readSome(fd, chunk);
        } catch (ErrnoException e) {
            // A terminal master reads EIO once the last slave is closed: that is its end of file.
            if (e.errno() != ErrnoException.EIO) {
                ShimLog.error("reading container " + stream + " failed: " + e.getMessage());
            }
            n = 0;
        }
        if (n < 0) {
            return; // EAGAIN: woken for nothing
        }
        if (n == 0) {
            end();
            return;
        }
        listener.output(stream, chunk.duplicate());
        byte[] time = CriLog.stamp(Instant.now());
        int limit = chunk.limit();
        for (int from = chunk.position(); from < limit; ) {
            int newline = indexOf(chunk, (byte) '\n', from, limit);
            int end = newline < 0 ? limit : newline;
            if (length == 0 && newline >= 0 && end - from < MAX_LINE) {
                // A whole line inside the chunk goes to the log's batch without passing through the line buffer.
                log.add(stream, false, time, chunk, from, end - from);
            } else {
                append(chunk, from, end, time);
                if (newline >= 0) {
                    log.add(stream, false, time, ByteBuffer.wrap(line), 0, length);
                    length = 0;
                }
            }
            from = newline < 0 ? limit : newline + 1;
        }
        log.flush();
    }

    private static int indexOf(ByteBuffer chunk, byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (chunk.get(i) == b) {
                return i;
            }
        }
        return -1;
    }

    /** Adds bytes to the partial line, logging it as a P chunk each time it reaches {@link #MAX_LINE}. */
    private void append(ByteBuffer chunk, int from, int to, byte[] time) {
        while (from < to) {
            int n = Math.min(to - from, MAX_LINE - length);
            if (length + n > line.length) {
                line = Arrays.copyOf(line, Math.min(MAX_LINE, Math.max(line.length * 2, length + n)));
            }
            chunk.get(from, line, length, n);
            length += n;
            from += n;
            if (length == MAX_LINE) {
                log.add(stream, true, time, ByteBuffer.wrap(line), 0, length);
                length = 0;
            }
        }
    }

    /** End of stream: what is left of a line is logged as a P chunk. */
    private void end() {
        stop();
        ended.complete(null);
    }

    /**
     * Stops reading, leaving the descriptor open, e.g. to hand it to the next program image at an
     * upgrade. A partial line is logged as a P chunk: the rest follows from whoever reads next. On the
     * loop thread only, like every other touch of the line buffer.
     */
    void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        loop.unregister(token, null);
        if (length > 0) {
            log.write(stream, true, line, length);
            length = 0;
        }
    }

    /** Completes, on the loop thread, once the stream has ended and everything read was logged. */
    CompletableFuture<Void> ended() {
        return ended;
    }
}

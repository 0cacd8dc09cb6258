package io.berth.server.streaming.exec;

import io.berth.shim.client.ProcessStream;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.IOException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Feeds a process's stdin and terminal size from the event loop without blocking it: work is queued and run
 * in order on a pool thread. While more than {@link #HIGH_WATER} bytes wait, the connection stops reading, so
 * a process that does not read its stdin slows the client down rather than growing the queue. Resizes are
 * coalesced to the latest size, so a client resizing in a loop holds at most one pending resize.
 */
public final class ProcessInput {
    static final int HIGH_WATER = 64 * 1024;
    static final int LOW_WATER = 16 * 1024;
    private static final Logger LOG = Logger.getLogger(ProcessInput.class.getName());

    private final Channel channel;
    private final Executor pool;
    private final Queue<Runnable> work = new ConcurrentLinkedQueue<>();
    private final AtomicLong pendingBytes = new AtomicLong();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicReference<int[]> latestSize = new AtomicReference<>();
    private volatile ProcessStream process;
    private volatile boolean stopped;
    private volatile boolean stdinBroken;
    private boolean stdinEnded;

    public ProcessInput(Channel channel, Executor pool) {
        this.channel = channel;
        this.pool = pool;
    }

    /** Queues bytes for stdin; takes ownership of (and releases) the buffer. Event loop only. */
    public void stdin(ByteBuf data) {
        try {
            if (stopped || stdinEnded || !data.isReadable()) {
                return;
            }
            byte[] bytes = new byte[data.readableBytes()];
            data.readBytes(bytes);
            if (pendingBytes.addAndGet(bytes.length) > HIGH_WATER) {
                channel.config().setAutoRead(false);
            }
            work.add(() -> writeStdin(bytes));
        } finally {
            data.release();
        }
        drain();
    }

    /** Queues EOF for stdin (after every byte queued before it). Event loop only. */
    public void endStdin() {
        if (stopped || stdinEnded) {
            return;
        }
        stdinEnded = true;
        work.add(this::closeStdin);
        drain();
    }

    public void resize(int width, int height) {
        if (stopped || latestSize.getAndSet(new int[] {width, height}) != null) {
            return; // a resize is already queued; it will apply this newest size
        }
        work.add(this::applyResize);
        drain();
    }

    /** The process is there: start delivering what was queued. */
    public void start(ProcessStream stream) {
        process = stream;
        drain();
    }

    /** The session is over: drop what is queued. */
    public void stop() {
        stopped = true;
        work.clear();
    }

    long pendingBytes() {
        return pendingBytes.get();
    }

    private void drain() {
        if (process != null && !stopped && draining.compareAndSet(false, true)) {
            pool.execute(this::runQueued);
        }
    }

    private void runQueued() {
        while (true) {
            Runnable next = work.poll();
            if (next == null) {
                draining.set(false);
                // Something may have been queued between poll() and set(false).
                if (work.isEmpty() || !draining.compareAndSet(false, true)) {
                    return;
                }
                continue;
            }
            if (!stopped) {
                next.run();
            }
        }
    }

    private void writeStdin(byte[] bytes) {
        try {
            if (!stdinBroken && !stopped) {
                process.writeStdin(bytes, 0, bytes.length);
            }
        } catch (IOException e) {
            // The process closed its stdin or exited: the rest of the input has nowhere to go.
            stdinBroken = true;
            LOG.log(Level.FINE, "stdin write failed", e);
        } finally {
            long left = pendingBytes.addAndGet(-bytes.length);
            if (left < LOW_WATER && !channel.config().isAutoRead() && !stopped) {
                channel.config().setAutoRead(true);
            }
        }
    }

    private void closeStdin() {
        try {
            process.closeStdin();
        } catch (IOException e) {
            LOG.log(Level.FINE, "closing stdin failed", e);
        }
    }

    private void applyResize() {
        int[] size = latestSize.getAndSet(null);
        if (size == null) {
            return;
        }
        try {
            process.resize(size[0], size[1]);
        } catch (IOException e) {
            LOG.log(Level.FINE, "resize failed", e);
        }
    }
}

package io.berth.shim.client;

import io.berth.shim.stdio.Frame;
import io.berth.shim.stdio.FrameReader;
import io.berth.shim.stdio.FrameWriter;
import io.berth.shim.stdio.ProtocolException;
import java.io.IOException;
import java.nio.channels.ByteChannel;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link ProcessStream} over a shim connection carrying stdio frames. A frame is read from the socket
 * only when the caller asks for one, so an idle caller leaves the output in the socket and the
 * process's pipe, never in berthd's heap. For an exec, {@link #close()} kills the process and waits
 * (bounded) for its exit, so that afterwards nothing of it is left in the container.
 */
final class ShimProcessStream implements ProcessStream {
    /** How long close waits for a killed exec's exit before it drops the connection anyway. */
    static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private static final int SIGKILL = 9;
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "shim-stream-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final ByteChannel channel;
    private final boolean killOnClose;
    private final String what;
    private final FrameReader reader;
    private final FrameWriter writer;
    private final ReentrantLock readLock = new ReentrantLock();
    private final CountDownLatch exitSeen = new CountDownLatch(1);
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean exitRead;

    ShimProcessStream(ByteChannel channel, boolean killOnClose, String what) {
        this.channel = channel;
        this.killOnClose = killOnClose;
        this.what = what;
        this.reader = new FrameReader(channel);
        this.writer = new FrameWriter(channel);
    }

    @Override
    public void writeStdin(byte[] data, int offset, int length) throws IOException {
        if (length > 0) {
            writer.write(Frame.Type.STDIN, data, offset, length);
        }
    }

    @Override
    public void closeStdin() throws IOException {
        writer.write(Frame.Type.CLOSE_STDIN, new byte[0], 0, 0);
    }

    @Override
    public void resize(int width, int height) throws IOException {
        writer.write(Frame.resize(width, height));
    }

    @Override
    public Chunk read() throws IOException {
        readLock.lock();
        try {
            if (exitRead) {
                return null;
            }
            Frame frame = reader.read();
            if (frame == null) {
                throw new IOException(what + ": the shim ended the stream without an exit (container deleted,"
                        + " or the shim died)");
            }
            switch (frame.type()) {
                case STDOUT:
                    return new Chunk(Chunk.Kind.STDOUT, frame.payload(), 0);
                case STDERR:
                    return new Chunk(Chunk.Kind.STDERR, frame.payload(), 0);
                case EXIT:
                    exitRead = true;
                    exitSeen.countDown();
                    return Chunk.exit(frame.intAt(0));
                default:
                    throw new ProtocolException(what + ": a shim does not send " + frame.type());
            }
        } finally {
            readLock.unlock();
        }
    }

    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        if (killOnClose && !exitRead) {
            killAndAwaitExit();
        }
        closeChannel();
    }

    private void killAndAwaitExit() {
        ScheduledFuture<?> cut = WATCHDOG.schedule(this::closeChannel, KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        try {
            writer.write(Frame.kill(SIGKILL));
            if (readLock.tryLock()) {
                readLock.unlock();
                // Nobody else is reading: read (and drop) the rest of the output up to the exit.
                while (read() != null) {
                    // discard
                }
            } else {
                exitSeen.await(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (IOException e) {
            // The connection is gone; the shim kills a process whose client went away.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            cut.cancel(false);
        }
    }

    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closed either way.
        }
    }
}

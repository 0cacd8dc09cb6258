package io.berth.server.streaming;

import io.berth.shim.client.ProcessStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A process for the streaming server to talk to: prints a greeting on stdout and stderr, echoes stdin to
 * stdout, and exits with {@code exitCode} once stdin is closed (or at once when told so). In "endless" mode it
 * produces output forever, so that only the server's flow control can stop it.
 */
public final class FakeProcess implements ProcessStream {
    private static final Chunk CLOSED = new Chunk(Chunk.Kind.EXIT, new byte[0], -1);

    private final LinkedBlockingQueue<Chunk> output = new LinkedBlockingQueue<>();
    private final ByteArrayOutputStream stdin = new ByteArrayOutputStream();
    private final byte[] endlessChunk;
    private final int exitCode;
    public final List<int[]> resizes = new CopyOnWriteArrayList<>();
    public final AtomicInteger reads = new AtomicInteger();
    public final AtomicBoolean closed = new AtomicBoolean();
    public final AtomicBoolean stdinClosed = new AtomicBoolean();
    private volatile boolean exitSent;

    private FakeProcess(int exitCode, byte[] endlessChunk) {
        this.exitCode = exitCode;
        this.endlessChunk = endlessChunk;
    }

    /** Echoes stdin; exits with {@code exitCode} on stdin EOF. */
    public static FakeProcess echo(int exitCode) {
        FakeProcess p = new FakeProcess(exitCode, null);
        p.output.add(new Chunk(Chunk.Kind.STDOUT, "hello out\n".getBytes(StandardCharsets.UTF_8), 0));
        p.output.add(new Chunk(Chunk.Kind.STDERR, "hello err\n".getBytes(StandardCharsets.UTF_8), 0));
        return p;
    }

    /** Prints the greeting and exits at once with {@code exitCode}. */
    public static FakeProcess exitsWith(int exitCode) {
        FakeProcess p = echo(exitCode);
        p.exit();
        return p;
    }

    /** Prints {@code chunkSize} bytes on stdout per read, forever. */
    public static FakeProcess endless(int chunkSize) {
        return new FakeProcess(0, new byte[chunkSize]);
    }

    @Override
    public synchronized void writeStdin(byte[] data, int offset, int length) throws IOException {
        if (stdinClosed.get() || closed.get()) {
            throw new IOException("stdin closed");
        }
        stdin.write(data, offset, length);
        output.add(new Chunk(Chunk.Kind.STDOUT, java.util.Arrays.copyOfRange(data, offset, offset + length), 0));
    }

    @Override
    public void closeStdin() {
        stdinClosed.set(true);
        exit();
    }

    @Override
    public void resize(int width, int height) {
        resizes.add(new int[] {width, height});
    }

    @Override
    public Chunk read() throws IOException {
        if (closed.get()) {
            throw new IOException("closed");
        }
        reads.incrementAndGet();
        if (endlessChunk != null) {
            return new Chunk(Chunk.Kind.STDOUT, endlessChunk, 0);
        }
        try {
            Chunk c = output.take();
            if (c == CLOSED) {
                output.add(CLOSED);
                throw new IOException("closed");
            }
            return c;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            output.add(CLOSED);
        }
    }

    public synchronized String stdinText() {
        return stdin.toString(StandardCharsets.UTF_8);
    }

    private synchronized void exit() {
        if (!exitSent) {
            exitSent = true;
            output.add(Chunk.exit(exitCode));
        }
    }
}

package io.berth.server.streaming.exec;

import io.berth.server.streaming.StreamBackend;
import io.berth.server.streaming.StreamRequest;
import io.berth.shim.client.ProcessStream;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One exec or attach, between a process and a client connection, independent of the wire protocol. A pool
 * thread opens the process and pumps its output: it reads the next chunk only when the connection is
 * writable. Input goes through {@link ProcessInput}. However the session ends — exit, client gone, idle
 * timeout — the process stream is closed exactly once.
 */
public final class StreamSession {
    private static final Logger LOG = Logger.getLogger(StreamSession.class.getName());
    /** Bigger process chunks are cut so that one frame never holds more than this. */
    static final int MAX_FRAME_DATA = 32 * 1024;

    private final StreamRequest request;
    private final StreamBackend backend;
    private final ExecOutput output;
    private final Executor pool;
    private final ProcessInput input;
    private final WritabilityGate gate;
    private final AtomicReference<ProcessStream> process = new AtomicReference<>();
    private final AtomicBoolean started = new AtomicBoolean();
    /** The connection is gone. */
    private final AtomicBoolean detached = new AtomicBoolean();
    private final AtomicBoolean processClosed = new AtomicBoolean();
    private final ResizeDecoder resizes;

    public StreamSession(StreamRequest request, StreamBackend backend, ExecOutput output, Executor pool) {
        if (!(request instanceof StreamRequest.Exec) && !(request instanceof StreamRequest.Attach)) {
            throw new IllegalArgumentException("not an exec or attach: " + request);
        }
        this.request = request;
        this.backend = backend;
        this.output = output;
        this.pool = pool;
        this.input = new ProcessInput(output.channel(), pool);
        this.gate = new WritabilityGate(output.channel());
        this.resizes = new ResizeDecoder(input::resize);
    }

    /** Opens the process and starts pumping; called once the client's streams are all there. */
    public void start() {
        if (started.compareAndSet(false, true)) {
            pool.execute(this::run);
        }
    }

    public void stdin(ByteBuf data) {
        if (wantsStdin()) {
            input.stdin(data);
        } else {
            data.release();
        }
    }

    public void stdinEnd() {
        input.endStdin();
    }

    /** Resize stream bytes (JSON objects); released here. */
    public void resize(ByteBuf data) {
        try {
            if (tty()) {
                resizes.feed(data);
            }
        } finally {
            data.release();
        }
    }

    /** Event loop: the connection's writability changed or it closed. */
    public void writabilityChanged() {
        gate.changed();
    }

    /** The connection is gone: stop input and detach from (for exec: kill) the process. */
    public void connectionClosed() {
        detached.set(true);
        input.stop();
        gate.changed();
        closeProcess();
    }

    private void run() {
        ProcessStream stream;
        try {
            stream = open();
        } catch (Exception e) {
            LOG.log(Level.FINE, "cannot open process stream", e);
            output.finish(ExitStatus.internalError(verb() + ": " + message(e)));
            return;
        }
        process.set(stream);
        if (detached.get() || !output.channel().isActive()) {
            closeProcess();
            return;
        }
        input.start(stream);
        ExitStatus status;
        try {
            status = pump(stream);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = null;
        } catch (IOException | RuntimeException e) {
            status = detached.get() ? null : ExitStatus.internalError(verb() + ": " + message(e));
        }
        closeProcess();
        if (status != null && output.channel().isActive()) {
            output.finish(status);
        }
    }

    private ExitStatus pump(ProcessStream stream) throws IOException, InterruptedException {
        while (true) {
            gate.awaitWritable();
            if (!output.channel().isActive()) {
                return null;
            }
            ProcessStream.Chunk chunk = stream.read();
            if (chunk == null) {
                return ended(0);
            }
            switch (chunk.kind()) {
                case STDOUT -> {
                    if (wantsStdout()) {
                        send(chunk.data(), true);
                    }
                }
                case STDERR -> {
                    if (wantsStderr()) {
                        send(chunk.data(), false);
                    }
                }
                case EXIT -> {
                    return ended(chunk.exitCode());
                }
                default -> throw new IllegalStateException("unknown chunk " + chunk.kind());
            }
        }
    }

    private void send(byte[] data, boolean stdout) {
        for (int off = 0; off < data.length; off += MAX_FRAME_DATA) {
            int len = Math.min(MAX_FRAME_DATA, data.length - off);
            byte[] part = off == 0 && len == data.length ? data : Arrays.copyOfRange(data, off, off + len);
            if (stdout) {
                output.stdout(part);
            } else {
                output.stderr(part);
            }
        }
    }

    private ExitStatus ended(int exitCode) {
        // Attach reports how the attachment ended, not the container's exit code: kubelet writes Success.
        if (exitCode == 0 || request instanceof StreamRequest.Attach) {
            return ExitStatus.success();
        }
        return ExitStatus.nonZeroExit(exitCode, ((StreamRequest.Exec) request).cmd());
    }

    private ProcessStream open() throws IOException {
        if (request instanceof StreamRequest.Exec e) {
            return backend.exec(e.containerId(), e.cmd(), e.tty(), e.stdin());
        }
        StreamRequest.Attach a = (StreamRequest.Attach) request;
        return backend.attach(a.containerId(), a.stdin());
    }

    private void closeProcess() {
        // Before the stream is open there is nothing to close: run() sees `detached` and closes what it gets.
        ProcessStream stream = process.get();
        if (stream != null && processClosed.compareAndSet(false, true)) {
            try {
                stream.close();
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "closing process stream failed", e);
            }
        }
    }

    private String verb() {
        return request instanceof StreamRequest.Exec ? "error executing command in container"
                : "error attaching to container";
    }

    private static String message(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private boolean tty() {
        return request instanceof StreamRequest.Exec e ? e.tty() : ((StreamRequest.Attach) request).tty();
    }

    private boolean wantsStdin() {
        return request instanceof StreamRequest.Exec e ? e.stdin() : ((StreamRequest.Attach) request).stdin();
    }

    private boolean wantsStdout() {
        return request instanceof StreamRequest.Exec e ? e.stdout() : ((StreamRequest.Attach) request).stdout();
    }

    private boolean wantsStderr() {
        return request instanceof StreamRequest.Exec e ? e.stderr() : ((StreamRequest.Attach) request).stderr();
    }
}

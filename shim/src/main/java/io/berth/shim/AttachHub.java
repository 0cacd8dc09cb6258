package io.berth.shim;

import io.berth.shim.stdio.Frame;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The container's attached clients: its output is copied to each of them as well as to the CRI log,
 * their stdin goes to the container's stdin, and when the container exits each is sent the exit code.
 * With {@code stdin_once} the container's stdin is closed once the first attacher's stdin has ended,
 * as kubelet expects of {@code kubectl run -i}. Lives on the event loop: the pumps that feed it and the
 * attachers' connections are served there.
 */
final class AttachHub implements LinePump.OutputListener {
    /** What the hub needs of the container; called on the loop thread, so none of it may block. */
    interface ContainerStdio {
        /**
         * Writes to the container's stdin; true when it went in (or there is no stdin), false when it
         * waits for the container to read, and then {@code written} runs once it has.
         */
        boolean writeStdin(byte[] data, Runnable written);

        void closeStdin();

        void resize(int width, int height);
    }

    private final EventLoop loop;
    private final ContainerStdio container;
    private final boolean stdinOnce;
    private final List<Attacher> attachers = new ArrayList<>();
    private Integer exitCode;

    AttachHub(EventLoop loop, ContainerStdio container, boolean stdinOnce) {
        this.loop = loop;
        this.container = container;
        this.stdinOnce = stdinOnce;
    }

    /**
     * Attaches the client on this connection: from the time this returns it gets the container's output,
     * queued until {@link Attacher#start()}, which the caller runs once it has told the client the stream
     * is ready. From a worker thread.
     */
    Attacher attach(int connection, boolean stdin) throws ExecutionException, InterruptedException {
        CompletableFuture<Attacher> attached = new CompletableFuture<>();
        loop.execute(() -> {
            Attacher attacher = new Attacher(loop, connection, stdin, this);
            if (exitCode != null) {
                attacher.finish(exitCode);
            } else {
                attachers.add(attacher);
            }
            attached.complete(attacher);
        });
        return attached.get();
    }

    @Override
    public void output(CriLog.Stream stream, ByteBuffer chunk) {
        if (attachers.isEmpty()) {
            return;
        }
        Frame.Type type = stream == CriLog.Stream.STDOUT ? Frame.Type.STDOUT : Frame.Type.STDERR;
        for (Attacher attacher : List.copyOf(attachers)) {
            attacher.offer(type, chunk);
        }
    }

    /** The container exited (its output is all in): every attacher gets the exit as its last frame. */
    void finish(int code) {
        loop.execute(() -> {
            exitCode = code;
            for (Attacher attacher : List.copyOf(attachers)) {
                attacher.finish(code);
            }
            attachers.clear();
        });
    }

    boolean writeStdin(byte[] data, Runnable written) {
        return container.writeStdin(data, written);
    }

    void resize(int width, int height) {
        container.resize(width, height);
    }

    /** An attacher's stdin ended (it closed stdin or detached). */
    void stdinEnded() {
        if (stdinOnce) {
            container.closeStdin();
        }
    }

    void remove(Attacher attacher) {
        attachers.remove(attacher);
    }
}

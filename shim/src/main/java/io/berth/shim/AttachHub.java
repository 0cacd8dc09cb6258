package io.berth.shim;

import io.berth.shim.stdio.Frame;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The container's attached clients: its output is copied to each of them as well as to the CRI log,
 * their stdin goes to the container's stdin, and when the container exits each is sent the exit code.
 * With {@code stdin_once} the container's stdin is closed once the first attacher's stdin has ended,
 * as kubelet expects of {@code kubectl run -i}.
 */
final class AttachHub implements LinePump.OutputListener {
    /** How long a dropped (slow) attacher has to read its notice before its connection is cut. */
    private static final long DROP_GRACE_SECONDS = 10;

    /** What the hub needs of the container. */
    interface ContainerStdio {
        /** Writes to the container's stdin; blocks while it does not read; a no-op without stdin. */
        void writeStdin(byte[] data);

        void closeStdin();

        void resize(int width, int height);
    }

    private final ContainerStdio container;
    private final boolean stdinOnce;
    private final List<Attacher> attachers = new CopyOnWriteArrayList<>();
    /** One for the whole host: drops are rare, and its thread starts only at the first. */
    private static final ScheduledExecutorService disconnector = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(null, r, "attach-drop", 64 * 1024);
        t.setDaemon(true);
        return t;
    });
    private Integer exitCode;

    AttachHub(ContainerStdio container, boolean stdinOnce) {
        this.container = container;
        this.stdinOnce = stdinOnce;
    }

    /**
     * Attaches the client on this connection: from this call on it gets the container's output. Then
     * {@link Attacher#serve()} serves it until it detaches or the container exits.
     */
    synchronized Attacher attach(ByteChannel connection, boolean stdin) {
        Attacher attacher = new Attacher(connection, stdin, this);
        if (exitCode != null) {
            attacher.finish(exitCode);
        } else {
            attachers.add(attacher);
        }
        return attacher;
    }

    @Override
    public void output(CriLog.Stream stream, ByteBuffer chunk) {
        Frame.Type type = stream == CriLog.Stream.STDOUT ? Frame.Type.STDOUT : Frame.Type.STDERR;
        for (Attacher attacher : attachers) {
            attacher.offer(type, chunk);
        }
    }

    /** The container exited (its output is all in): every attacher gets the exit as its last frame. */
    synchronized void finish(int code) {
        exitCode = code;
        for (Attacher attacher : attachers) {
            attacher.finish(code);
        }
    }

    void writeStdin(byte[] data) {
        container.writeStdin(data);
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

    void disconnectLater(Attacher attacher) {
        attachers.remove(attacher);
        disconnector.schedule(attacher::disconnect, DROP_GRACE_SECONDS, TimeUnit.SECONDS);
    }
}

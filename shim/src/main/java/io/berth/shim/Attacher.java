package io.berth.shim;

import io.berth.shim.stdio.Frame;
import io.berth.shim.stdio.FrameReader;
import io.berth.shim.stdio.FrameWriter;
import io.berth.shim.stdio.ProtocolException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * One client attached to the container's stdio. The container's output reaches it through a bounded
 * queue drained by a sender thread of its own, so a client never holds up the CRI log or the other
 * attachers: when it falls more than {@link #QUEUE_BYTES} behind it is dropped, told so in its stream,
 * and disconnected. That applies to a client that reads, just slower than a burst of output, too: the
 * log is the record and never waits; such a client can attach again. Its input (stdin, resize) is
 * read on the thread that runs {@link #serve()}.
 */
final class Attacher {
    /** Output kept for one attacher beyond what the socket holds; more than this and it is dropped. */
    static final int QUEUE_BYTES = 1024 * 1024;

    private final ByteChannel connection;
    private final boolean stdin;
    private final AttachHub hub;
    private final FrameWriter out;
    private final ArrayDeque<Frame> queue = new ArrayDeque<>();
    private int queuedBytes;
    /** Set when the last frame (exit, or the drop notice) is queued; the sender then closes. */
    private boolean closing;

    Attacher(ByteChannel connection, boolean stdin, AttachHub hub) {
        this.connection = connection;
        this.stdin = stdin;
        this.hub = hub;
        this.out = new FrameWriter(connection);
    }

    boolean wantsStdin() {
        return stdin;
    }

    /** Queues a copy of some output; called on the container's pump threads, so it never blocks. */
    synchronized void offer(Frame.Type type, ByteBuffer chunk) {
        if (closing) {
            return;
        }
        int n = chunk.remaining();
        if (queuedBytes + n > QUEUE_BYTES) {
            queue.clear();
            queuedBytes = 0;
            byte[] notice = ("\nberth: attach dropped: this client read the container's output too slowly"
                    + " (more than " + QUEUE_BYTES + " bytes behind); the output is in the container log\n")
                    .getBytes(StandardCharsets.UTF_8);
            queue.add(new Frame(Frame.Type.STDERR, notice));
            closing = true;
            hub.disconnectLater(this);
            notifyAll();
            return;
        }
        byte[] copy = new byte[n];
        chunk.duplicate().get(copy);
        queue.add(new Frame(type, copy));
        queuedBytes += n;
        notifyAll();
    }

    /** Queues the container's exit as the last frame. */
    synchronized void finish(int exitCode) {
        if (!closing) {
            queue.add(Frame.exit(exitCode));
            closing = true;
            notifyAll();
        }
    }

    /** Starts the sender, then reads the client's frames until it detaches. */
    void serve() {
        Thread sender = new Thread(null, this::send, "attach-out", 128 * 1024);
        sender.setDaemon(true);
        sender.start();
        FrameReader in = new FrameReader(connection);
        try {
            Frame frame;
            while ((frame = in.read()) != null) {
                switch (frame.type()) {
                    case STDIN -> {
                        if (stdin) {
                            hub.writeStdin(frame.payload());
                        }
                    }
                    case CLOSE_STDIN -> endStdin();
                    case RESIZE -> hub.resize(frame.intAt(0), frame.intAt(1));
                    case KILL -> {
                        // Detaching never kills the container; stop it through the control socket.
                    }
                    default -> throw new ProtocolException("a client does not send " + frame.type());
                }
            }
        } catch (IOException e) {
            // Gone or garbled: either way this client has detached.
        }
        endStdin();
        disconnect();
    }

    private boolean stdinEnded;

    private void endStdin() {
        synchronized (this) {
            if (stdinEnded || !stdin) {
                return;
            }
            stdinEnded = true;
        }
        hub.stdinEnded();
    }

    private void send() {
        try {
            while (true) {
                Frame frame;
                synchronized (this) {
                    while (queue.isEmpty() && !closing) {
                        wait();
                    }
                    frame = queue.poll();
                    if (frame == null) {
                        break; // closing and all sent
                    }
                    queuedBytes = Math.max(0, queuedBytes - frame.payload().length);
                }
                out.write(frame);
            }
        } catch (IOException | InterruptedException e) {
            // The client went away (or was disconnected for being slow).
        }
        disconnect();
    }

    /** Closes the connection; a sender blocked writing to it fails at once. */
    void disconnect() {
        synchronized (this) {
            closing = true;
            queue.clear();
            notifyAll();
        }
        hub.remove(this);
        try {
            connection.close();
        } catch (IOException ignored) {
            // Closed either way.
        }
    }
}

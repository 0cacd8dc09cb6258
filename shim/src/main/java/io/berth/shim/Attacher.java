package io.berth.shim;

import io.berth.shim.stdio.Frame;
import io.berth.shim.stdio.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One client attached to the container's stdio, served on the event loop like everything else of the
 * container. The container's output is queued on its connection, so a client never holds up the CRI log
 * or the other attachers: when it falls more than {@link #QUEUE_BYTES} behind it is dropped, told so in
 * its stream, and disconnected. That applies to a client that reads, just slower than a burst of output,
 * too: the log is the record and never waits; such a client can attach again. Its stdin frames go to the
 * container's stdin one at a time: while the container does not read, the client's are left in its socket.
 */
final class Attacher implements StreamConnection.Session {
    /** Output kept for one attacher beyond what the socket holds; more than this and it is dropped. */
    static final int QUEUE_BYTES = 1024 * 1024;
    /** How long a dropped (slow) attacher has to read its notice before its connection is cut. */
    private static final long DROP_GRACE_MILLIS = 10_000;

    private final EventLoop loop;
    private final StreamConnection connection;
    private final boolean stdin;
    private final AttachHub hub;
    private boolean stdinEnded;
    /** The last frame (exit, or the drop notice) is queued. */
    private boolean closing;

    Attacher(EventLoop loop, int connection, boolean stdin, AttachHub hub) {
        this.loop = loop;
        this.connection = new StreamConnection(loop, connection, this);
        this.stdin = stdin;
        this.hub = hub;
    }

    /** Sends what was queued since the attach and reads the client's frames; after its stream_ready answer. */
    void start() {
        connection.start();
        connection.readInput(!closing);
    }

    /** Queues a copy of some output; on the loop thread, from the container's pumps. */
    void offer(Frame.Type type, ByteBuffer chunk) {
        if (closing || connection.isGone()) {
            return;
        }
        if (connection.queued() + chunk.remaining() > QUEUE_BYTES) {
            drop();
            return;
        }
        connection.send(type, chunk.duplicate());
    }

    private void drop() {
        closing = true;
        hub.remove(this);
        connection.discardQueued();
        byte[] notice = ("\nberth: attach dropped: this client read the container's output too slowly"
                + " (more than " + QUEUE_BYTES + " bytes behind); the output is in the container log\n")
                .getBytes(StandardCharsets.UTF_8);
        connection.send(Frame.Type.STDERR, ByteBuffer.wrap(notice));
        // No exit after the notice: the client must not take the container for exited.
        connection.finish(null);
        loop.schedule(DROP_GRACE_MILLIS, this::disconnect);
    }

    /** Queues the container's exit as the last frame. */
    void finish(int exitCode) {
        if (!closing) {
            closing = true;
            connection.finish(Frame.exit(exitCode));
        }
    }

    @Override
    public void frame(Frame frame) throws ProtocolException {
        switch (frame.type()) {
            case STDIN -> {
                if (stdin && !hub.writeStdin(frame.payload(), () -> connection.readInput(!closing))) {
                    connection.readInput(false);
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

    /** Gone or garbled: either way this client has detached. */
    @Override
    public void clientGone() {
        endStdin();
        disconnect();
    }

    @Override
    public void drained() {
        // Nothing waits for room: output beyond the bound drops the client instead.
    }

    private void endStdin() {
        if (stdinEnded || !stdin) {
            return;
        }
        stdinEnded = true;
        hub.stdinEnded();
    }

    /** Closes the connection, whatever it still has to send. */
    void disconnect() {
        closing = true;
        hub.remove(this);
        connection.close();
    }
}

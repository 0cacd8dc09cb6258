package io.berth.shim;

import io.berth.linux.Epoll;
import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import io.berth.shim.stdio.Frame;
import io.berth.shim.stdio.ProtocolException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The connection of one exec or attach session once it carries stdio frames, served on the event loop
 * (see {@link Frame} for the wire format, which is the same as with a thread per stream). Client frames
 * are read one at a time and only while the session takes them: a session that cannot pass stdin on
 * stops reading, and the client's writes back up in the socket. Output waits in a queue the session
 * bounds, by pausing its producers ({@link ExecProcess}) or by dropping the client ({@link Attacher});
 * the connection itself never blocks. All methods run on the loop thread, apart from construction.
 */
final class StreamConnection {
    /** Reads and writes go through this, one at a time on the loop thread; a frame fits in it whole. */
    private static final ThreadLocal<ByteBuffer> STAGING =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(Frame.HEADER_BYTES + Frame.MAX_PAYLOAD));
    private static final int HEADER_BYTES = Frame.HEADER_BYTES;

    /** What the connection tells its session; called on the loop thread. */
    interface Session {
        /** One frame from the client; a frame the session does not take is a {@link ProtocolException}. */
        void frame(Frame frame) throws ProtocolException;

        /** The client closed the connection, broke it, or sent what is not a frame. Called once. */
        void clientGone();

        /** The output queue shrank: producers paused by the session's bound may go on. */
        void drained();
    }

    private final EventLoop loop;
    private final int fd;
    private final Session session;
    private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
    private final ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
    /** The payload of the frame being read; null while its header is. */
    private ByteBuffer payload;
    private Frame.Type payloadType;
    private int queued;
    private long token;
    private boolean started;
    private boolean reading;
    /** The last frame is queued: the connection closes once the queue is sent. */
    private boolean finishing;
    private boolean gone;
    private boolean closed;

    /** A connection whose output is queued until {@link #start()}; the descriptor is the connection's now. */
    StreamConnection(EventLoop loop, int fd, Session session) {
        this.loop = loop;
        this.fd = fd;
        this.session = session;
    }

    /**
     * Joins the loop: what was queued goes out, and the client's hang-up is noticed. Client frames are
     * read once the session asks for them ({@link #readInput}).
     */
    void start() {
        if (started || closed) {
            return;
        }
        started = true;
        try {
            FileDescriptors.setNonBlocking(fd, true);
        } catch (ErrnoException e) {
            ShimLog.error("cannot make a stream connection non-blocking: " + e.getMessage());
            lost();
            return;
        }
        token = loop.register(fd, 0, this::ready);
        flush();
        watch();
    }

    /** Whether client frames are read now; off, they wait in the socket and hold the client back. */
    void readInput(boolean on) {
        reading = on;
        watch();
    }

    /** Output bytes waiting for the client, frame headers included. */
    int queued() {
        return queued;
    }

    /** Whether the client left: output is then dropped. */
    boolean isGone() {
        return gone || closed;
    }

    /** Queues {@code data}'s remaining bytes as frames of {@code type} and sends what the socket takes. */
    void send(Frame.Type type, ByteBuffer data) {
        if (isGone() || finishing) {
            return;
        }
        while (data.hasRemaining()) {
            int n = Math.min(data.remaining(), Frame.MAX_PAYLOAD);
            ByteBuffer frame = ByteBuffer.allocate(HEADER_BYTES + n);
            frame.put(type.code()).putInt(n);
            ByteBuffer part = data.slice().limit(n);
            frame.put(part).flip();
            data.position(data.position() + n);
            queue.add(frame);
            queued += frame.remaining();
        }
        flush();
    }

    void send(Frame frame) {
        send(frame.type(), ByteBuffer.wrap(frame.payload()));
    }

    /** Drops what the client has not been sent yet. */
    void discardQueued() {
        queue.clear();
        queued = 0;
    }

    /** Queues {@code last} (if any) as the last frame; the connection closes once everything is sent. */
    void finish(Frame last) {
        if (last != null) {
            send(last);
        }
        finishing = true;
        reading = false;
        if (queue.isEmpty() && started) {
            close();
        } else {
            watch();
        }
    }

    /** Closes now, whatever is still queued. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        queue.clear();
        queued = 0;
        if (started) {
            loop.unregister(token, () -> FileDescriptors.closeQuietly(fd));
        } else {
            FileDescriptors.closeQuietly(fd);
        }
    }

    private void ready(int events) {
        if (closed) {
            return;
        }
        if ((events & Epoll.OUT) != 0) {
            flush();
        }
        if (!isGone() && reading && (events & Epoll.IN) != 0) {
            readFrame();
        } else if (!isGone() && (events & (Epoll.RDHUP | Epoll.HUP | Epoll.ERR)) != 0) {
            // Not reading, so this is the hang-up alone: clients never half-close, they leave.
            lost();
        }
    }

    /** What the loop watches: input while the session takes it, output while some waits, always a hang-up. */
    private void watch() {
        if (!started || closed) {
            return;
        }
        int events = 0;
        if (!gone) {
            events = Epoll.RDHUP | (reading ? Epoll.IN : 0) | (queue.isEmpty() ? 0 : Epoll.OUT);
        }
        loop.interest(token, events);
    }

    /** Reads until one frame is whole (then hands it to the session) or the socket has no more for now. */
    private void readFrame() {
        ByteBuffer staging = STAGING.get();
        staging.clear(); // slices are bounded by the limit, which the last flush left short
        while (!isGone() && reading) {
            ByteBuffer into = payload != null ? payload : header;
            int n;
            try {
                n = into.hasRemaining() ? FileDescriptors.readSome(fd, staging.slice(0, into.remaining())) : 0;
                if (n > 0) {
                    into.put(staging.slice(0, n));
                }
            } catch (ErrnoException e) {
                n = 0; // ECONNRESET and the like: the client is gone
            }
            if (n < 0) {
                return;
            }
            if (n == 0 && into.hasRemaining()) {
                lost();
                return;
            }
            try {
                if (payload == null && !header.hasRemaining()) {
                    startPayload();
                }
                if (payload != null && !payload.hasRemaining()) {
                    Frame frame = new Frame(payloadType, payload.array());
                    payload = null;
                    header.clear();
                    session.frame(frame);
                    return; // one frame a turn
                }
            } catch (ProtocolException e) {
                lost();
                return;
            }
        }
    }

    private void startPayload() throws ProtocolException {
        header.flip();
        byte code = header.get();
        int length = header.getInt();
        Frame.Type type = Frame.Type.of(code);
        if (type == null) {
            throw new ProtocolException("unknown frame type " + code);
        }
        if (length < 0 || length > Frame.MAX_PAYLOAD) {
            throw new ProtocolException(type + " frame of " + length + " bytes");
        }
        payloadType = type;
        payload = ByteBuffer.allocate(length);
    }

    /** Sends what the socket takes now; the rest waits for it to become writable. */
    private void flush() {
        if (!started || isGone()) {
            return;
        }
        int before = queued;
        ByteBuffer staging = STAGING.get();
        while (!queue.isEmpty()) {
            staging.clear();
            for (ByteBuffer next : queue) {
                if (!staging.hasRemaining()) {
                    break;
                }
                ByteBuffer part = next.duplicate();
                part.limit(part.position() + Math.min(part.remaining(), staging.remaining()));
                staging.put(part);
            }
            staging.flip();
            int offered = staging.remaining();
            int n;
            try {
                n = FileDescriptors.writeSome(fd, staging);
            } catch (ErrnoException e) {
                lost(); // EPIPE, ECONNRESET: the client is gone
                return;
            }
            consume(n);
            if (n < offered) {
                break;
            }
        }
        if (queue.isEmpty() && finishing) {
            close();
            return;
        }
        watch();
        if (queued < before) {
            session.drained();
        }
    }

    private void consume(int bytes) {
        queued -= bytes;
        while (bytes > 0) {
            ByteBuffer head = queue.peek();
            int n = Math.min(bytes, head.remaining());
            head.position(head.position() + n);
            bytes -= n;
            if (!head.hasRemaining()) {
                queue.poll();
            }
        }
    }

    /** The client is gone: nothing more is read or sent; the session decides when to close. */
    private void lost() {
        if (gone) {
            return;
        }
        gone = true;
        queue.clear();
        queued = 0;
        watch();
        if (finishing) {
            close();
        }
        session.clientGone();
    }
}

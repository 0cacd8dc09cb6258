package io.berth.shim;

import com.google.protobuf.InvalidProtocolBufferException;
import io.berth.linux.Epoll;
import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import io.berth.linux.UnixSockets;
import io.berth.shim.api.Request;
import io.berth.shim.protocol.MessageSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * One control connection (berthd asks one request on each), read on the event loop in the framing of
 * {@link MessageSocket}: a client that has connected but not yet sent its request, or sends it slowly,
 * holds no thread. Once the request is whole the connection leaves the loop, blocking again, and a worker
 * answers it (an answer may run the OCI runtime); unless the answer made the connection a stream, a wait or
 * an event subscription, the loop then reads the next request.
 */
final class ControlConnection {
    /** Answers a request on a worker; true when the connection now belongs to what the request opened. */
    interface Answerer {
        boolean answer(int connection, Request request, int[] fds) throws IOException;
    }

    /** Connections are read one at a time on the loop thread, so they share one buffer. */
    private static final ThreadLocal<ByteBuffer> STAGING =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(16 * 1024));

    private final EventLoop loop;
    private final ExecutorService workers;
    private final int fd;
    private final Answerer answerer;
    private final List<Integer> fds = new ArrayList<>();
    private long token;
    private int size;
    private int shift;
    /** The request's bytes once its length is known; null while the length is read. */
    private byte[] body;
    private int read;

    private ControlConnection(EventLoop loop, ExecutorService workers, int fd, Answerer answerer) {
        this.loop = loop;
        this.workers = workers;
        this.fd = fd;
        this.answerer = answerer;
    }

    /** Reads requests on {@code fd}, an accepted connection, from now on; the connection is this one's. */
    static void serve(EventLoop loop, ExecutorService workers, int fd, Answerer answerer) {
        new ControlConnection(loop, workers, fd, answerer).watch();
    }

    private void watch() {
        try {
            FileDescriptors.setNonBlocking(fd, true);
        } catch (ErrnoException e) {
            ShimLog.error("cannot read a control connection without blocking: " + e.getMessage());
            FileDescriptors.closeQuietly(fd);
            return;
        }
        token = loop.register(fd, Epoll.IN, events -> readSome());
    }

    /**
     * Reads the length a byte at a time (no byte past the request may be taken: after some answers the
     * connection carries stdio frames), then at most one buffer of the request per turn.
     */
    private void readSome() {
        ByteBuffer staging = STAGING.get();
        while (true) {
            int want = body == null ? 1 : Math.min(staging.capacity(), body.length - read);
            ByteBuffer into = staging.clear().slice(0, want);
            UnixSockets.Received r;
            try {
                r = UnixSockets.receive(fd, into, MessageSocket.MAX_FDS - fds.size());
            } catch (ErrnoException e) {
                close(); // ECONNRESET, or more descriptors than a request carries
                return;
            }
            for (int received : r.fds()) {
                fds.add(received);
            }
            if (r.bytes() < 0) {
                return; // nothing more for now
            }
            if (r.bytes() == 0) {
                close(); // the client is done, or left half way
                return;
            }
            if (body == null) {
                if (!lengthByte(into.get(0))) {
                    return;
                }
            } else {
                into.get(0, body, read, r.bytes());
                read += r.bytes();
            }
            if (body != null && read == body.length) {
                answer();
                return;
            }
            if (body != null && read > 0) {
                return; // one buffer a turn; the rest wakes the loop again
            }
        }
    }

    /** Takes one byte of the varint length; false when the length is not one the host accepts. */
    private boolean lengthByte(byte b) {
        size |= (b & 0x7f) << shift;
        shift += 7;
        if ((b & 0x80) != 0) {
            if (shift >= 32) {
                close();
                return false;
            }
            return true;
        }
        if (size < 0 || size > MessageSocket.MAX_MESSAGE_BYTES) {
            close();
            return false;
        }
        body = new byte[size];
        return true;
    }

    /** Hands the whole request to a worker, the connection out of the loop and blocking again. */
    private void answer() {
        Request request;
        try {
            request = Request.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            close();
            return;
        }
        int[] received = fds.stream().mapToInt(Integer::intValue).toArray();
        fds.clear();
        body = null;
        size = 0;
        shift = 0;
        read = 0;
        loop.unregister(token, () -> {
            try {
                FileDescriptors.setNonBlocking(fd, false);
                workers.execute(() -> answerOnWorker(request, received));
            } catch (ErrnoException | RejectedExecutionException e) {
                ShimLog.error("request refused: " + e.getMessage());
                MessageSocket.closeAll(received);
                FileDescriptors.closeQuietly(fd);
            }
        });
    }

    private void answerOnWorker(Request request, int[] received) {
        boolean kept = false;
        try {
            kept = answerer.answer(fd, request, received);
        } catch (IOException | RuntimeException e) {
            // The client went away while answered.
            FileDescriptors.closeQuietly(fd);
            return;
        }
        if (!kept) {
            loop.execute(this::watch);
        }
    }

    private void close() {
        MessageSocket.closeAll(fds.stream().mapToInt(Integer::intValue).toArray());
        fds.clear();
        loop.unregister(token, () -> FileDescriptors.closeQuietly(fd));
    }
}

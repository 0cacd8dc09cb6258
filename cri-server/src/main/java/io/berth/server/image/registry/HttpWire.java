package io.berth.server.image.registry;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * The reading side of one HTTP/1.1 connection: a small buffer for the lines of the head and of chunked framing,
 * and reads of body bytes that go from the socket straight into the caller's array once the buffer is empty.
 * Every wait is bounded by a {@link BodyGuard}; a read that the guard ends closes the connection.
 */
final class HttpWire implements AutoCloseable {
    /** The longest line read: a status line, a header, a chunk size. Also the buffer's size. */
    static final int MAX_LINE = 16 * 1024;

    private final Socket socket;
    private final InputStream in;
    private final byte[] buffer = new byte[MAX_LINE];
    private int position;
    private int limit;
    private BodyGuard guard;

    HttpWire(Socket socket, BodyGuard guard) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.guard = guard;
    }

    /** From now on waits follow {@code next} (the body's rules rather than the head's). */
    void guardWith(BodyGuard next) {
        this.guard = next;
    }

    String what() {
        return guard.what();
    }

    /**
     * The next line without its CRLF (a bare LF ends a line too), as ISO-8859-1; null at the end of the stream.
     * A line longer than {@link #MAX_LINE} bytes is an error: what the server sends is bounded.
     */
    String readLine() throws IOException {
        while (true) {
            for (int i = position; i < limit; i++) {
                if (buffer[i] == '\n') {
                    int end = i > position && buffer[i - 1] == '\r' ? i - 1 : i;
                    String line = new String(buffer, position, end - position, ISO_8859_1);
                    position = i + 1;
                    return line;
                }
            }
            if (position > 0) {
                System.arraycopy(buffer, position, buffer, 0, limit - position);
                limit -= position;
                position = 0;
            }
            if (limit == buffer.length) {
                throw new IOException(guard.what() + ": the server sent a line longer than " + MAX_LINE + " bytes");
            }
            int n = guardedRead(buffer, limit, buffer.length - limit);
            if (n < 0) {
                if (limit == 0) {
                    return null;
                }
                throw new IOException(guard.what() + ": the connection closed in the middle of a line");
            }
            limit += n;
        }
    }

    /** Up to {@code length} bytes: buffered ones first, then straight from the socket. -1 at the end of the stream. */
    int read(byte[] target, int offset, int length) throws IOException {
        if (position < limit) {
            int n = Math.min(length, limit - position);
            System.arraycopy(buffer, position, target, offset, n);
            position += n;
            return n;
        }
        return guardedRead(target, offset, length);
    }

    private int guardedRead(byte[] target, int offset, int length) throws IOException {
        try {
            while (true) {
                long wait = guard.waitNanos(System.nanoTime());
                socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, wait / 1_000_000)));
                int n;
                try {
                    n = in.read(target, offset, length);
                } catch (SocketTimeoutException quiet) {
                    guard.arrived(System.nanoTime(), 0);
                    continue;
                }
                guard.arrived(System.nanoTime(), Math.max(n, 0));
                return n;
            }
        } catch (RuntimeException ended) {
            close();
            throw ended;
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is all that is left to do with it
        }
    }
}

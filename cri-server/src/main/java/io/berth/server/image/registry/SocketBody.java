package io.berth.server.image.registry;

import io.berth.common.validate.Require;
import java.io.IOException;

/**
 * The body of a {@link SocketHttp} response, framed as its head says: a Content-Length, chunked transfer coding,
 * or everything until the server closes. Reads go into the caller's array with no copy of their own beyond
 * the few bytes buffered with a head or a chunk line. A body that ends early is an error, never a short blob.
 */
final class SocketBody extends BulkInputStream {
    enum Framing { LENGTH, CHUNKED, UNTIL_CLOSE }

    /** Hex digits of a chunk size: 15 keep it below 2^60, far past any blob. */
    private static final int MAX_CHUNK_SIZE_DIGITS = 15;
    /** Trailer lines after the last chunk; a server cannot keep a finished body going with endless ones. */
    private static final int MAX_TRAILERS = 64;

    private final HttpWire wire;
    private final Framing framing;
    /** LENGTH: bytes left in the body. CHUNKED: bytes left in the current chunk, -1 before the first. */
    private long left;
    private boolean ended;
    private boolean closed;

    SocketBody(HttpWire wire, Framing framing, long length) {
        this.wire = wire;
        this.framing = framing;
        this.left = framing == Framing.LENGTH ? length : -1;
        this.ended = framing == Framing.LENGTH && length == 0;
    }

    @Override
    public int read(byte[] target, int offset, int length) throws IOException {
        if (closed) {
            throw new IOException(wire.what() + ": body already closed");
        }
        if (length == 0) {
            return 0;
        }
        if (ended) {
            return -1;
        }
        if (framing == Framing.UNTIL_CLOSE) {
            int n = wire.read(target, offset, length);
            ended = n < 0;
            return n;
        }
        if (framing == Framing.CHUNKED && left <= 0 && !nextChunk()) {
            return -1;
        }
        int n = wire.read(target, offset, (int) Math.min(length, left));
        if (n < 0) {
            close();
            throw new IOException(wire.what() + ": the connection closed with " + left + " bytes of the "
                    + (framing == Framing.CHUNKED ? "current chunk" : "body") + " still to come");
        }
        left -= n;
        if (framing == Framing.LENGTH && left == 0) {
            ended = true;
        }
        return n;
    }

    /** Reads the next chunk's size line (after the previous chunk's CRLF); false after the last chunk. */
    private boolean nextChunk() throws IOException {
        if (left == 0 && !expectLine().isEmpty()) {
            throw malformed("chunk data not followed by CRLF");
        }
        String line = expectLine();
        int end = line.indexOf(';');
        String digits = (end < 0 ? line : line.substring(0, end)).trim();
        if (digits.isEmpty() || digits.length() > MAX_CHUNK_SIZE_DIGITS) {
            throw malformed("chunk size '" + printable(digits) + "'");
        }
        long size = 0;
        for (int i = 0; i < digits.length(); i++) {
            int d = Character.digit(digits.charAt(i), 16);
            if (d < 0) {
                throw malformed("chunk size '" + printable(digits) + "'");
            }
            size = size * 16 + d;
        }
        if (size > 0) {
            left = size;
            return true;
        }
        for (int trailers = 0; !expectLine().isEmpty(); trailers++) {
            if (trailers >= MAX_TRAILERS) {
                throw malformed("more than " + MAX_TRAILERS + " trailer lines");
            }
        }
        ended = true;
        return false;
    }

    private String expectLine() throws IOException {
        String line = wire.readLine();
        if (line == null) {
            close();
            throw new IOException(wire.what() + ": the connection closed in the middle of the chunked body");
        }
        return line;
    }

    private IOException malformed(String what) {
        close();
        return new IOException(wire.what() + ": malformed chunked body: " + what);
    }

    private static String printable(String s) {
        return Require.printable(s.length() > 40 ? s.substring(0, 40) + "..." : s);
    }

    @Override
    public void close() {
        closed = true;
        wire.close();
    }
}

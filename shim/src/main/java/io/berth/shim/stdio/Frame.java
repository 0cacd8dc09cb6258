package io.berth.shim.stdio;

import java.nio.ByteBuffer;

/**
 * One unit of the stdio stream between berthd and a shim, on the wire {@code [1 byte type][4 byte
 * big-endian length][payload]}. Output is cut into frames of at most {@link #MAX_PAYLOAD} bytes, so a
 * reader never needs more than that in memory for one frame, whatever the process writes.
 */
public record Frame(Type type, byte[] payload) {
    /** The largest payload either side sends or accepts; a longer length is a protocol error. */
    public static final int MAX_PAYLOAD = 64 * 1024;
    /** The type byte and the payload's length. */
    public static final int HEADER_BYTES = 5;

    /** What a frame carries, and who sends it. */
    public enum Type {
        /** client → shim: bytes for the process's stdin. */
        STDIN(1),
        /** shim → client: bytes the process wrote to stdout (and, with a terminal, to stderr). */
        STDOUT(2),
        /** shim → client: bytes the process wrote to stderr; also the shim's notices to the client. */
        STDERR(3),
        /** client → shim: terminal size, payload two 4-byte ints: width (columns), height (rows). */
        RESIZE(4),
        /** client → shim: end of stdin; output keeps flowing. */
        CLOSE_STDIN(5),
        /** shim → client: the process ended, payload its 4-byte exit code; the last frame sent. */
        EXIT(6),
        /** client → shim: kill the exec'd process (payload the 4-byte signal); ignored by attach. */
        KILL(7);

        final byte code;

        Type(int code) {
            this.code = (byte) code;
        }

        /** The type's byte on the wire. */
        public byte code() {
            return code;
        }

        /** The type whose wire byte is {@code code}; null for a byte no type has. */
        public static Type of(byte code) {
            for (Type t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            return null;
        }
    }

    public static Frame exit(int code) {
        return new Frame(Type.EXIT, ints(code));
    }

    public static Frame resize(int width, int height) {
        return new Frame(Type.RESIZE, ints(width, height));
    }

    public static Frame kill(int signal) {
        return new Frame(Type.KILL, ints(signal));
    }

    /** The {@code index}th 4-byte int of the payload (exit code, signal, width, height). */
    public int intAt(int index) throws ProtocolException {
        if (payload.length < (index + 1) * 4) {
            throw new ProtocolException(type + " frame too short: " + payload.length + " bytes");
        }
        return ByteBuffer.wrap(payload).getInt(index * 4);
    }

    private static byte[] ints(int... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4);
        for (int v : values) {
            b.putInt(v);
        }
        return b.array();
    }
}

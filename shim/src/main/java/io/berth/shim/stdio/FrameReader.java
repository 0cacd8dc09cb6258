package io.berth.shim.stdio;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Reads frames from a blocking channel, one at a time and only when asked: not reading is how the
 * reader holds back the writer. Talks to the channel directly, not through {@code Channels.newInputStream},
 * whose reads hold a lock that would block writes on the same socket from another thread.
 */
public final class FrameReader {
    private final ReadableByteChannel channel;
    private final ByteBuffer header = ByteBuffer.allocate(Frame.HEADER_BYTES);

    public FrameReader(ReadableByteChannel channel) {
        this.channel = channel;
    }

    /** The next frame, or null when the other side closed the connection between frames. */
    public Frame read() throws IOException {
        header.clear();
        if (!fill(header, true)) {
            return null;
        }
        header.flip();
        byte code = header.get();
        int length = header.getInt();
        Frame.Type type = Frame.Type.of(code);
        if (type == null) {
            throw new ProtocolException("unknown frame type " + code);
        }
        if (length < 0 || length > Frame.MAX_PAYLOAD) {
            throw new ProtocolException(type + " frame of " + length + " bytes (at most " + Frame.MAX_PAYLOAD + ")");
        }
        ByteBuffer payload = ByteBuffer.allocate(length);
        fill(payload, false);
        return new Frame(type, payload.array());
    }

    /** Fills the buffer; false when the channel ended before its first byte and that is allowed. */
    private boolean fill(ByteBuffer buffer, boolean endAllowed) throws IOException {
        boolean first = true;
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                if (first && endAllowed) {
                    return false;
                }
                throw new EOFException("the connection ended inside a frame");
            }
            first = false;
        }
        return true;
    }
}

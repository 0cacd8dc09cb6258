package io.berth.shim.stdio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * Writes whole frames to a blocking channel; several threads may write (stdout and stderr pumps), so
 * each frame goes out under one lock and frames never interleave. A write blocks while the reader
 * does not read, which is what holds the process back.
 */
public final class FrameWriter {
    private final WritableByteChannel channel;

    public FrameWriter(WritableByteChannel channel) {
        this.channel = channel;
    }

    public void write(Frame frame) throws IOException {
        write(frame.type(), frame.payload(), 0, frame.payload().length);
    }

    /** Writes {@code length} bytes as one or more frames of the given type. */
    public void write(Frame.Type type, byte[] data, int offset, int length) throws IOException {
        do {
            int n = Math.min(length, Frame.MAX_PAYLOAD);
            ByteBuffer frame = ByteBuffer.allocate(Frame.HEADER_BYTES + n);
            frame.put(type.code).putInt(n).put(data, offset, n).flip();
            writeFully(frame);
            offset += n;
            length -= n;
        } while (length > 0);
    }

    /** Writes a direct buffer's remaining bytes as frames, without copying them onto the heap first. */
    public void write(Frame.Type type, ByteBuffer data) throws IOException {
        while (data.hasRemaining()) {
            int n = Math.min(data.remaining(), Frame.MAX_PAYLOAD);
            ByteBuffer header = ByteBuffer.allocate(Frame.HEADER_BYTES).put(type.code).putInt(n).flip();
            ByteBuffer body = data.slice().limit(n);
            synchronized (this) {
                writeAll(header);
                writeAll(body);
            }
            data.position(data.position() + n);
        }
    }

    private synchronized void writeFully(ByteBuffer frame) throws IOException {
        writeAll(frame);
    }

    private void writeAll(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}

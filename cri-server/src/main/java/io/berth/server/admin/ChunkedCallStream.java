package io.berth.server.admin;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * Bytes written into one side of a streaming gRPC call as chunks of {@link ImportSpool#MAX_CHUNK_BYTES}, each
 * sent only once the call is ready for it (gRPC's flow control). A writer that outpaces the other side blocks
 * instead of queueing, so either end holds about one chunk of even a huge archive. Writes come from one thread,
 * not from a gRPC callback: the call's readiness callbacks run one at a time, and one of them is what wakes it.
 */
public abstract class ChunkedCallStream extends OutputStream {
    private final byte[] chunk = new byte[ImportSpool.MAX_CHUNK_BYTES];
    private final Object readiness = new Object();
    private int filled;

    @Override
    public final void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public final void write(byte[] bytes, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        while (length > 0) {
            int n = Math.min(length, chunk.length - filled);
            System.arraycopy(bytes, offset, chunk, filled, n);
            filled += n;
            offset += n;
            length -= n;
            if (filled == chunk.length) {
                sendChunk();
            }
        }
    }

    /** Sends what is buffered, waiting until the call takes it; nothing when the buffer is empty. */
    protected final void sendChunk() throws IOException {
        if (filled == 0) {
            return;
        }
        synchronized (readiness) {
            while (!isReady() && !ended()) {
                try {
                    readiness.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException(what() + ": interrupted while the other side was not reading");
                }
            }
        }
        if (ended()) {
            throw new IOException(what() + ": " + endedReason());
        }
        send(ByteString.copyFrom(chunk, 0, filled));
        filled = 0;
    }

    /** Wakes a writer waiting for the call; the call's ready and end handlers call it. */
    protected final void wake() {
        synchronized (readiness) {
            readiness.notifyAll();
        }
    }

    /** Whether the call takes another message now without buffering it. */
    protected abstract boolean isReady();

    /** Whether the other side has ended the call (cancelled, answered or failed): nothing more can be sent. */
    protected abstract boolean ended();

    /** Sends one chunk as the call's next message. */
    protected abstract void send(ByteString data);

    /** What is being streamed, for error messages: {@code ExportImage}, {@code ImportImage}. */
    protected abstract String what();

    /** Why a write fails once {@link #ended()}: who ended the call, in words. */
    protected abstract String endedReason();
}

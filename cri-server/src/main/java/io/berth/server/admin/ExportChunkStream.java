package io.berth.server.admin;

import com.google.protobuf.ByteString;
import io.berth.admin.v1.ExportChunk;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * The archive an export writes, sent as chunks of {@link ImportSpool#MAX_CHUNK_BYTES}. A write blocks while
 * the client has not taken the last chunks (gRPC's flow control), so a slow reader holds one chunk in berthd,
 * not the whole image; a client that went away makes the next write fail. Writes come from one thread, not
 * a gRPC callback: the readiness callbacks of a call run one at a time, and one of them is what wakes it.
 */
final class ExportChunkStream extends OutputStream {
    private final ServerCallStreamObserver<ExportChunk> call;
    private final byte[] chunk = new byte[ImportSpool.MAX_CHUNK_BYTES];
    private final Object readiness = new Object();
    private int filled;
    private volatile boolean cancelled;

    /** Call during the call's invocation: gRPC takes the handlers only then. */
    ExportChunkStream(ServerCallStreamObserver<ExportChunk> call) {
        this.call = call;
        call.setOnReadyHandler(this::wake);
        call.setOnCancelHandler(() -> {
            cancelled = true;
            wake();
        });
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        while (length > 0) {
            int n = Math.min(length, chunk.length - filled);
            System.arraycopy(bytes, offset, chunk, filled, n);
            filled += n;
            offset += n;
            length -= n;
            if (filled == chunk.length) {
                send();
            }
        }
    }

    /** Sends what is buffered; the archive is complete. */
    void finish() throws IOException {
        if (filled > 0) {
            send();
        }
    }

    boolean cancelled() {
        return cancelled;
    }

    private void send() throws IOException {
        synchronized (readiness) {
            while (!call.isReady() && !cancelled) {
                try {
                    readiness.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("ExportImage: interrupted while the client was not reading");
                }
            }
        }
        if (cancelled) {
            throw new IOException("ExportImage: the client went away");
        }
        call.onNext(ExportChunk.newBuilder().setData(ByteString.copyFrom(chunk, 0, filled)).build());
        filled = 0;
    }

    private void wake() {
        synchronized (readiness) {
            readiness.notifyAll();
        }
    }
}

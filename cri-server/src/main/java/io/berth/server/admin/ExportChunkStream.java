package io.berth.server.admin;

import com.google.protobuf.ByteString;
import io.berth.admin.v1.ExportChunk;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.IOException;

/**
 * The archive an export writes, sent as chunks of {@link ImportSpool#MAX_CHUNK_BYTES}. A write blocks while
 * the client has not taken the last chunks (gRPC's flow control), so a slow reader holds one chunk in berthd,
 * not the whole image; a client that went away makes the next write fail. Writes come from one thread, not
 * a gRPC callback: the readiness callbacks of a call run one at a time, and one of them is what wakes it.
 */
final class ExportChunkStream extends ChunkedCallStream {
    private final ServerCallStreamObserver<ExportChunk> call;
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

    /** Sends what is buffered; the archive is complete. */
    void finish() throws IOException {
        sendChunk();
    }

    boolean cancelled() {
        return cancelled;
    }

    @Override
    protected boolean isReady() {
        return call.isReady();
    }

    @Override
    protected boolean ended() {
        return cancelled;
    }

    @Override
    protected void send(ByteString data) {
        call.onNext(ExportChunk.newBuilder().setData(data).build());
    }

    @Override
    protected String what() {
        return "ExportImage";
    }

    @Override
    protected String endedReason() {
        return "the client went away";
    }
}

package io.berth.server.admin.cli;

import com.google.protobuf.ByteString;
import io.berth.admin.v1.AdminGrpc;
import io.berth.admin.v1.ImportChunk;
import io.berth.admin.v1.ImportReply;
import io.berth.server.admin.ChunkedCallStream;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * One ImportImage call: the archive is written into the call as chunks of the most berthd takes, each sent only
 * when gRPC's flow control lets it (berthd writes them to disk as they come), so berthctl never holds more
 * than a chunk of even a huge archive. berthd's refusal stops the upload at the next chunk.
 */
final class ImageUpload extends ChunkedCallStream implements ClientResponseObserver<ImportChunk, ImportReply> {
    private final CompletableFuture<ImportReply> reply = new CompletableFuture<>();
    private ClientCallStreamObserver<ImportChunk> call;

    private ImageUpload() {}

    /** Sends the archive and waits for berthd's answer; berthd's error is the StatusRuntimeException thrown. */
    static ImportReply send(AdminGrpc.AdminStub admin, ArchiveSource source) throws IOException {
        ImageUpload upload = new ImageUpload();
        admin.importImage(upload);
        try {
            source.bytes().writeTo(upload);
            upload.sendChunk();
        } catch (IOException | RuntimeException e) {
            if (upload.reply.isCompletedExceptionally()) {
                return upload.answer(); // berthd refused the archive: its status says why
            }
            upload.call.cancel("berthctl could not read " + source.name(), e);
            throw e;
        }
        upload.call.onCompleted();
        return upload.answer();
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<ImportChunk> requestStream) {
        call = requestStream;
        requestStream.setOnReadyHandler(this::wake);
    }

    @Override
    public void onNext(ImportReply value) {
        reply.complete(value);
    }

    @Override
    public void onError(Throwable t) {
        reply.completeExceptionally(t);
        wake();
    }

    @Override
    public void onCompleted() {
        // The reply came in onNext.
    }

    @Override
    protected boolean isReady() {
        return call.isReady();
    }

    @Override
    protected boolean ended() {
        return reply.isDone();
    }

    @Override
    protected void send(ByteString data) {
        call.onNext(ImportChunk.newBuilder().setData(data).build());
    }

    @Override
    protected String what() {
        return "ImportImage";
    }

    private ImportReply answer() throws IOException {
        try {
            return reply.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.cancel("interrupted", e);
            throw new InterruptedIOException("interrupted while berthd imported");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException s) {
                throw s;
            }
            throw Status.fromThrowable(e.getCause()).asRuntimeException();
        }
    }

    @Override
    protected String endedReason() {
        return "berthd ended the import";
    }
}

package io.berth.server.admin;

import io.berth.admin.v1.ImportChunk;
import io.berth.admin.v1.ImportReply;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

/**
 * ImportImage on the wire: the client streams the archive, each chunk is appended to a spool file as it
 * arrives (gRPC asks for the next chunk only once this one is written, so a fast client cannot outrun the
 * disk), and the half-close runs the import. The spool file is removed however the call ends: imported,
 * refused, failed, or cancelled by the client.
 */
final class SpooledImports implements ServerCalls.ClientStreamingMethod<ImportChunk, ImportReply> {
    static final String RPC = "ImportImage";

    private final ImportSpool spool;
    private final ImportImageRpc rpc;
    private final StreamEdge edge;

    SpooledImports(ImportSpool spool, ImportImageRpc rpc, StreamEdge edge) {
        this.spool = spool;
        this.rpc = rpc;
        this.edge = edge;
    }

    @Override
    public StreamObserver<ImportChunk> invoke(StreamObserver<ImportReply> responses) {
        ServerCallStreamObserver<ImportReply> call = (ServerCallStreamObserver<ImportReply>) responses;
        // The spool goes in onError; the handler is here so that answering a call the client gave up on while
        // the import ran is a no-op instead of an exception.
        call.setOnCancelHandler(() -> { });
        return new Upload(call, System.nanoTime());
    }

    /** One call's archive. gRPC runs a call's callbacks one at a time, so its fields need no lock. */
    private final class Upload implements StreamObserver<ImportChunk> {
        private final ServerCallStreamObserver<ImportReply> call;
        private final long start;
        private ImportSpool.Spooled spooled;
        private boolean ended;

        Upload(ServerCallStreamObserver<ImportReply> call, long start) {
            this.call = call;
            this.start = start;
        }

        @Override
        public void onNext(ImportChunk chunk) {
            if (ended) {
                return; // refused already; what the client sent before it saw the status is dropped
            }
            try {
                if (spooled == null) {
                    spooled = spool.begin();
                }
                spooled.append(chunk.getData());
            } catch (Throwable t) {
                end();
                edge.failed(RPC, start, t, call);
            }
        }

        @Override
        public void onError(Throwable cancelled) {
            if (!ended) {
                end();
                edge.abandoned(RPC, start);
            }
        }

        @Override
        public void onCompleted() {
            if (ended) {
                return;
            }
            ImportReply reply;
            try {
                if (spooled == null) {
                    spooled = spool.begin(); // no chunk at all: the import refuses the empty archive
                }
                spooled.finish();
                reply = rpc.call(spooled.path());
            } catch (Throwable t) {
                end();
                edge.failed(RPC, start, t, call);
                return;
            }
            // The spool goes before the answer, whichever it is: a client that hears back finds nothing of the
            // upload left on disk.
            end();
            try {
                call.onNext(reply);
                call.onCompleted();
                edge.completed(RPC, start);
            } catch (Throwable t) {
                edge.failed(RPC, start, t, call);
            }
        }

        private void end() {
            ended = true;
            if (spooled != null) {
                spooled.close();
                spooled = null;
            }
        }
    }
}

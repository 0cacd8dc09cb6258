package io.berth.server.admin;

import io.berth.admin.v1.ExportChunk;
import io.berth.admin.v1.ExportRequest;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

/**
 * ExportImage on the wire: the archive is written on a thread of its own into an {@link ExportChunkStream},
 * which waits for the client to read; the call's own thread must stay free to deliver that readiness.
 */
final class ChunkedExports implements ServerCalls.ServerStreamingMethod<ExportRequest, ExportChunk> {
    static final String RPC = "ExportImage";

    private final ExportImageRpc rpc;
    private final StreamEdge edge;

    ChunkedExports(ExportImageRpc rpc, StreamEdge edge) {
        this.rpc = rpc;
        this.edge = edge;
    }

    @Override
    public void invoke(ExportRequest request, StreamObserver<ExportChunk> responses) {
        ServerCallStreamObserver<ExportChunk> call = (ServerCallStreamObserver<ExportChunk>) responses;
        ExportChunkStream out = new ExportChunkStream(call);
        long start = System.nanoTime();
        Thread writer = new Thread(() -> export(request, out, call, start), "admin-export");
        writer.setDaemon(true);
        writer.start();
    }

    private void export(ExportRequest request, ExportChunkStream out, ServerCallStreamObserver<ExportChunk> call,
            long start) {
        try {
            rpc.call(request, out);
            out.finish();
            call.onCompleted();
            edge.completed(RPC, start);
        } catch (Throwable t) {
            if (out.cancelled()) {
                edge.abandoned(RPC, start);
            } else {
                edge.failed(RPC, start, t, call);
            }
        }
    }
}

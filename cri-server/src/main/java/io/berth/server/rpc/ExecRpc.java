package io.berth.server.rpc;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import io.berth.cri.v1.ExecRequest;
import io.berth.cri.v1.ExecResponse;
import io.berth.server.grpc.UnaryRpc;
import io.berth.server.streaming.StreamBackend;
import io.berth.server.streaming.StreamRequest;
import io.berth.server.streaming.StreamUrls;

/** Exec: checks the request and the container, and answers a one-time URL on the streaming server. */
public final class ExecRpc implements UnaryRpc<ExecRequest, ExecResponse> {
    private final StreamBackend backend;
    private final StreamUrls urls;

    public ExecRpc(StreamBackend backend, StreamUrls urls) {
        this.backend = backend;
        this.urls = urls;
    }

    @Override
    public ExecResponse call(ExecRequest request) {
        String id = Require.idOrPrefix(request.getContainerId(), "container_id");
        StreamFlags.check(request.getTty(), request.getStdin(), request.getStdout(), request.getStderr());
        if (request.getCmdCount() == 0) {
            throw new InvalidArgumentException("cmd is required and must not be empty");
        }
        backend.checkRunning(id);
        return ExecResponse.newBuilder()
                .setUrl(urls.urlFor(new StreamRequest.Exec(id, request.getCmdList(), request.getTty(),
                        request.getStdin(), request.getStdout(), request.getStderr())))
                .build();
    }
}

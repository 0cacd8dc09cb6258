package io.berth.server.rpc;

import io.berth.common.validate.Require;
import io.berth.cri.v1.AttachRequest;
import io.berth.cri.v1.AttachResponse;
import io.berth.server.grpc.UnaryRpc;
import io.berth.server.streaming.StreamBackend;
import io.berth.server.streaming.StreamRequest;
import io.berth.server.streaming.StreamUrls;

/** Attach: checks the request and the container, and answers a one-time URL on the streaming server. */
public final class AttachRpc implements UnaryRpc<AttachRequest, AttachResponse> {
    private final StreamBackend backend;
    private final StreamUrls urls;

    public AttachRpc(StreamBackend backend, StreamUrls urls) {
        this.backend = backend;
        this.urls = urls;
    }

    @Override
    public AttachResponse call(AttachRequest request) {
        String id = Require.idOrPrefix(request.getContainerId(), "container_id");
        StreamFlags.check(request.getTty(), request.getStdin(), request.getStdout(), request.getStderr());
        backend.checkRunning(id);
        return AttachResponse.newBuilder()
                .setUrl(urls.urlFor(new StreamRequest.Attach(id, request.getTty(), request.getStdin(),
                        request.getStdout(), request.getStderr())))
                .build();
    }
}

package io.berth.server.rpc;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import io.berth.cri.v1.PortForwardRequest;
import io.berth.cri.v1.PortForwardResponse;
import io.berth.server.grpc.UnaryRpc;
import io.berth.server.streaming.StreamBackend;
import io.berth.server.streaming.StreamRequest;
import io.berth.server.streaming.StreamUrls;

/** PortForward: checks that the pod is ready and answers a one-time URL on the streaming server. */
public final class PortForwardRpc implements UnaryRpc<PortForwardRequest, PortForwardResponse> {
    private final StreamBackend backend;
    private final StreamUrls urls;

    public PortForwardRpc(StreamBackend backend, StreamUrls urls) {
        this.backend = backend;
        this.urls = urls;
    }

    @Override
    public PortForwardResponse call(PortForwardRequest request) {
        String id = Require.idOrPrefix(request.getPodSandboxId(), "pod_sandbox_id");
        for (int port : request.getPortList()) {
            if (port < 1 || port > 65535) {
                throw new InvalidArgumentException("port " + port + " is not between 1 and 65535");
            }
        }
        backend.netns(id);
        return PortForwardResponse.newBuilder()
                .setUrl(urls.urlFor(new StreamRequest.PortForward(id, request.getPortList())))
                .build();
    }
}

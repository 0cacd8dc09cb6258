package io.berth.server.rpc;

import io.berth.common.validate.Require;
import io.berth.cri.v1.ReopenContainerLogRequest;
import io.berth.cri.v1.ReopenContainerLogResponse;
import io.berth.server.container.ContainerControl;
import io.berth.server.grpc.UnaryRpc;

/** ReopenContainerLog: the shim reopens the log file after kubelet rotated it. */
public final class ReopenContainerLogRpc implements UnaryRpc<ReopenContainerLogRequest, ReopenContainerLogResponse> {
    private final ContainerControl control;

    public ReopenContainerLogRpc(ContainerControl control) {
        this.control = control;
    }

    @Override
    public ReopenContainerLogResponse call(ReopenContainerLogRequest request) throws Exception {
        control.reopenLog(Require.idOrPrefix(request.getContainerId(), "container_id"));
        return ReopenContainerLogResponse.getDefaultInstance();
    }
}

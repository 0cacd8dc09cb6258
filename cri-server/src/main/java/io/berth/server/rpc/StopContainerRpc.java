package io.berth.server.rpc;

import io.berth.common.validate.Require;
import io.berth.cri.v1.StopContainerRequest;
import io.berth.cri.v1.StopContainerResponse;
import io.berth.server.container.ContainerControl;
import io.berth.server.grpc.UnaryRpc;

/** StopContainer: the stop signal, the grace period, then SIGKILL; idempotent. */
public final class StopContainerRpc implements UnaryRpc<StopContainerRequest, StopContainerResponse> {
    private final ContainerControl control;

    public StopContainerRpc(ContainerControl control) {
        this.control = control;
    }

    @Override
    public StopContainerResponse call(StopContainerRequest request) throws Exception {
        if (request.getTimeout() < 0) {
            throw new io.berth.common.error.InvalidArgumentException("timeout must not be negative");
        }
        control.stop(Require.idOrPrefix(request.getContainerId(), "container_id"), request.getTimeout());
        return StopContainerResponse.getDefaultInstance();
    }
}

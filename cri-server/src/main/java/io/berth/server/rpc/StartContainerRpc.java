package io.berth.server.rpc;

import io.berth.common.validate.Require;
import io.berth.cri.v1.StartContainerRequest;
import io.berth.cri.v1.StartContainerResponse;
import io.berth.server.container.ContainerControl;
import io.berth.server.grpc.UnaryRpc;

/** StartContainer: runs the created container's process. */
public final class StartContainerRpc implements UnaryRpc<StartContainerRequest, StartContainerResponse> {
    private final ContainerControl control;

    public StartContainerRpc(ContainerControl control) {
        this.control = control;
    }

    @Override
    public StartContainerResponse call(StartContainerRequest request) throws Exception {
        control.start(Require.idOrPrefix(request.getContainerId(), "container_id"));
        return StartContainerResponse.getDefaultInstance();
    }
}

package io.berth.server.rpc;

import io.berth.common.validate.Require;
import io.berth.cri.v1.UpdateContainerResourcesRequest;
import io.berth.cri.v1.UpdateContainerResourcesResponse;
import io.berth.server.container.ContainerControl;
import io.berth.server.grpc.UnaryRpc;

/** UpdateContainerResources: applied to the live container's cgroup and kept for its status. */
public final class UpdateContainerResourcesRpc
        implements UnaryRpc<UpdateContainerResourcesRequest, UpdateContainerResourcesResponse> {
    private final ContainerControl control;
    private final ContainerControl.ResourceUpdater updater;

    public UpdateContainerResourcesRpc(ContainerControl control, ContainerControl.ResourceUpdater updater) {
        this.control = control;
        this.updater = updater;
    }

    @Override
    public UpdateContainerResourcesResponse call(UpdateContainerResourcesRequest request) throws Exception {
        Require.present(request.hasLinux(), "linux");
        control.updateResources(Require.idOrPrefix(request.getContainerId(), "container_id"), request.getLinux(),
                updater);
        return UpdateContainerResourcesResponse.getDefaultInstance();
    }
}

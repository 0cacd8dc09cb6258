package io.berth.server.rpc;

import io.berth.cri.v1.CheckpointContainerRequest;
import io.berth.cri.v1.CheckpointContainerResponse;
import io.berth.server.container.ContainerCheckpointer;
import io.berth.server.grpc.UnaryRpc;

/** CheckpointContainer: CRIU through the OCI runtime, the container left running; the archive where asked. */
public final class CheckpointContainerRpc implements UnaryRpc<CheckpointContainerRequest, CheckpointContainerResponse> {
    private final ContainerCheckpointer checkpointer;

    public CheckpointContainerRpc(ContainerCheckpointer checkpointer) {
        this.checkpointer = checkpointer;
    }

    @Override
    public CheckpointContainerResponse call(CheckpointContainerRequest request) throws Exception {
        checkpointer.checkpoint(request.getContainerId(), request.getLocation(), request.getTimeout());
        return CheckpointContainerResponse.getDefaultInstance();
    }
}

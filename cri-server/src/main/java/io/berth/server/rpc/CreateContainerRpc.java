package io.berth.server.rpc;

import io.berth.cri.v1.CreateContainerRequest;
import io.berth.cri.v1.CreateContainerResponse;
import io.berth.server.container.ContainerCreator;
import io.berth.server.grpc.UnaryRpc;

/** CreateContainer: snapshot, OCI spec and a shim that has created (not started) the container. */
public final class CreateContainerRpc implements UnaryRpc<CreateContainerRequest, CreateContainerResponse> {
    private final ContainerCreator creator;

    public CreateContainerRpc(ContainerCreator creator) {
        this.creator = creator;
    }

    @Override
    public CreateContainerResponse call(CreateContainerRequest request) throws Exception {
        return CreateContainerResponse.newBuilder().setContainerId(creator.create(request)).build();
    }
}

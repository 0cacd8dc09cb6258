package io.berth.server.rpc;

import io.berth.common.validate.Require;
import io.berth.cri.v1.RemoveContainerRequest;
import io.berth.cri.v1.RemoveContainerResponse;
import io.berth.server.container.ContainerControl;
import io.berth.server.grpc.UnaryRpc;
import java.util.Optional;

/** RemoveContainer: force-stops and removes every trace; removing a removed container succeeds. */
public final class RemoveContainerRpc implements UnaryRpc<RemoveContainerRequest, RemoveContainerResponse> {
    private final ContainerControl control;

    public RemoveContainerRpc(ContainerControl control) {
        this.control = control;
    }

    @Override
    public RemoveContainerResponse call(RemoveContainerRequest request) throws Exception {
        Optional<String> id = Require.idIfWellFormed(request.getContainerId(), "container_id");
        if (id.isPresent()) {
            control.remove(id.get());
        }
        return RemoveContainerResponse.getDefaultInstance();
    }
}

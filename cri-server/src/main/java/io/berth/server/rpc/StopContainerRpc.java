package io.berth.server.rpc;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.NotFoundException;
import io.berth.common.validate.Require;
import io.berth.cri.v1.StopContainerRequest;
import io.berth.cri.v1.StopContainerResponse;
import io.berth.server.container.ContainerControl;
import io.berth.server.grpc.UnaryRpc;
import java.util.Optional;

/** StopContainer: the stop signal, the grace period, then SIGKILL; idempotent, also for a container that is gone. */
public final class StopContainerRpc implements UnaryRpc<StopContainerRequest, StopContainerResponse> {
    private final ContainerControl control;

    public StopContainerRpc(ContainerControl control) {
        this.control = control;
    }

    @Override
    public StopContainerResponse call(StopContainerRequest request) throws Exception {
        if (request.getTimeout() < 0) {
            throw new InvalidArgumentException("timeout must not be negative");
        }
        Optional<String> id = Require.idIfWellFormed(request.getContainerId(), "container_id");
        try {
            if (id.isPresent()) {
                control.stop(id.get(), request.getTimeout());
            }
        } catch (NotFoundException gone) {
            // A removed container is stopped; the CRI asks for success here, as containerd answers.
        }
        return StopContainerResponse.getDefaultInstance();
    }
}

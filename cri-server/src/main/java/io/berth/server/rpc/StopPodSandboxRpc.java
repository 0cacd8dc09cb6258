package io.berth.server.rpc;

import io.berth.common.error.NotFoundException;
import io.berth.common.validate.Require;
import io.berth.cri.v1.StopPodSandboxRequest;
import io.berth.cri.v1.StopPodSandboxResponse;
import io.berth.server.grpc.UnaryRpc;
import io.berth.server.sandbox.SandboxTeardown;
import java.util.Optional;

/** StopPodSandbox: stops the pod's containers and releases its network; idempotent, also for a pod that is gone. */
public final class StopPodSandboxRpc implements UnaryRpc<StopPodSandboxRequest, StopPodSandboxResponse> {
    private final SandboxTeardown teardown;

    public StopPodSandboxRpc(SandboxTeardown teardown) {
        this.teardown = teardown;
    }

    @Override
    public StopPodSandboxResponse call(StopPodSandboxRequest request) throws Exception {
        Optional<String> id = Require.idIfWellFormed(request.getPodSandboxId(), "pod_sandbox_id");
        try {
            if (id.isPresent()) {
                teardown.stop(id.get());
            }
        } catch (NotFoundException gone) {
            // A pod that is not there is as stopped as it gets; kubelet retries stops of removed pods.
        }
        return StopPodSandboxResponse.getDefaultInstance();
    }
}

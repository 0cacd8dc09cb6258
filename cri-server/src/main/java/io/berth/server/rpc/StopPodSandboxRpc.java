package io.berth.server.rpc;

import io.berth.common.validate.Require;
import io.berth.cri.v1.StopPodSandboxRequest;
import io.berth.cri.v1.StopPodSandboxResponse;
import io.berth.server.grpc.UnaryRpc;
import io.berth.server.sandbox.SandboxTeardown;

/** StopPodSandbox: stops the pod's containers and releases its network; idempotent. */
public final class StopPodSandboxRpc implements UnaryRpc<StopPodSandboxRequest, StopPodSandboxResponse> {
    private final SandboxTeardown teardown;

    public StopPodSandboxRpc(SandboxTeardown teardown) {
        this.teardown = teardown;
    }

    @Override
    public StopPodSandboxResponse call(StopPodSandboxRequest request) throws Exception {
        teardown.stop(Require.idOrPrefix(request.getPodSandboxId(), "pod_sandbox_id"));
        return StopPodSandboxResponse.getDefaultInstance();
    }
}

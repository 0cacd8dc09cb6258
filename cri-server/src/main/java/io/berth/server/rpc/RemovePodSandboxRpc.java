package io.berth.server.rpc;

import io.berth.common.validate.Require;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.RemovePodSandboxResponse;
import io.berth.server.grpc.UnaryRpc;
import io.berth.server.sandbox.SandboxTeardown;
import java.util.Optional;

/** RemovePodSandbox: removes the pod and everything in it; removing a removed pod succeeds. */
public final class RemovePodSandboxRpc implements UnaryRpc<RemovePodSandboxRequest, RemovePodSandboxResponse> {
    private final SandboxTeardown teardown;

    public RemovePodSandboxRpc(SandboxTeardown teardown) {
        this.teardown = teardown;
    }

    @Override
    public RemovePodSandboxResponse call(RemovePodSandboxRequest request) throws Exception {
        Optional<String> id = Require.idIfWellFormed(request.getPodSandboxId(), "pod_sandbox_id");
        if (id.isPresent()) {
            teardown.remove(id.get());
        }
        return RemovePodSandboxResponse.getDefaultInstance();
    }
}

package io.berth.server.rpc;

import io.berth.cri.v1.RunPodSandboxRequest;
import io.berth.cri.v1.RunPodSandboxResponse;
import io.berth.server.grpc.UnaryRpc;
import io.berth.server.sandbox.SandboxCreator;

/** RunPodSandbox: namespaces, /dev/shm, /etc files and network for a new pod. */
public final class RunPodSandboxRpc implements UnaryRpc<RunPodSandboxRequest, RunPodSandboxResponse> {
    private final SandboxCreator creator;

    public RunPodSandboxRpc(SandboxCreator creator) {
        this.creator = creator;
    }

    @Override
    public RunPodSandboxResponse call(RunPodSandboxRequest request) throws Exception {
        return RunPodSandboxResponse.newBuilder().setPodSandboxId(creator.run(request)).build();
    }
}

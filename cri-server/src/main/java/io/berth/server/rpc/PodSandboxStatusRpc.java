package io.berth.server.rpc;

import io.berth.common.json.Mappers;
import io.berth.common.time.UnixNanos;
import io.berth.common.validate.Require;
import io.berth.cri.v1.PodSandboxStatusRequest;
import io.berth.cri.v1.PodSandboxStatusResponse;
import io.berth.server.container.ContainerStore;
import io.berth.server.container.SandboxContainerStatuses;
import io.berth.server.grpc.UnaryRpc;
import io.berth.server.sandbox.SandboxMetadata;
import io.berth.server.sandbox.SandboxStore;
import io.berth.server.sandbox.SandboxViews;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PodSandboxStatus: answered from memory; verbose adds berth's own facts about the pod. As in containerd, the
 * answer carries a timestamp and the statuses of all the pod's containers: with the EventedPLEG gate, kubelet
 * takes a pod's containers from this list alone once the timestamp is set.
 */
public final class PodSandboxStatusRpc implements UnaryRpc<PodSandboxStatusRequest, PodSandboxStatusResponse> {

    private final SandboxStore store;
    private final ContainerStore containers;
    private final Clock clock;

    public PodSandboxStatusRpc(SandboxStore store, ContainerStore containers, Clock clock) {
        this.store = store;
        this.containers = containers;
        this.clock = clock;
    }

    @Override
    public PodSandboxStatusResponse call(PodSandboxStatusRequest request) throws Exception {
        SandboxStore.Sandbox s = store.resolve(Require.idOrPrefix(request.getPodSandboxId(), "pod_sandbox_id"));
        PodSandboxStatusResponse.Builder out = PodSandboxStatusResponse.newBuilder()
                .setStatus(SandboxViews.status(s))
                .setTimestamp(UnixNanos.now(clock))
                .addAllContainersStatuses(SandboxContainerStatuses.of(containers, s.id()));
        if (request.getVerbose()) {
            SandboxMetadata m = s.metadata();
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("name", m.name());
            info.put("runtimeHandler", m.runtimeHandler());
            info.put("stateDir", m.stateDir());
            info.put("netns", m.hostNetwork() ? "host" : m.paths().netns().toString());
            info.put("ipcns", m.hostIpc() ? "host" : m.paths().ipcns().toString());
            info.put("hostPid", m.hostPid());
            info.put("ips", s.status().ips());
            out.putInfo("info", Mappers.plain().writeValueAsString(info));
        }
        return out.build();
    }
}

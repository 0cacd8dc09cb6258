package io.berth.server.rpc;

import io.berth.common.validate.Require;
import io.berth.cri.v1.PodSandboxStatsRequest;
import io.berth.cri.v1.PodSandboxStatsResponse;
import io.berth.server.grpc.UnaryRpc;
import io.berth.server.stats.StatsService;

/** PodSandboxStats: one pod (id or unique prefix) with its containers' stats, NOT_FOUND when there is none. */
public final class PodSandboxStatsRpc implements UnaryRpc<PodSandboxStatsRequest, PodSandboxStatsResponse> {
    private final StatsService stats;

    public PodSandboxStatsRpc(StatsService stats) {
        this.stats = stats;
    }

    @Override
    public PodSandboxStatsResponse call(PodSandboxStatsRequest request) {
        String id = Require.idOrPrefix(request.getPodSandboxId(), "pod_sandbox_id");
        return PodSandboxStatsResponse.newBuilder().setStats(stats.pod(id)).build();
    }
}

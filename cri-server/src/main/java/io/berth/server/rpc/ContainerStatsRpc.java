package io.berth.server.rpc;

import io.berth.common.validate.Require;
import io.berth.cri.v1.ContainerStatsRequest;
import io.berth.cri.v1.ContainerStatsResponse;
import io.berth.server.grpc.UnaryRpc;
import io.berth.server.stats.StatsService;

/** ContainerStats: one container (id or unique prefix), NOT_FOUND when there is none. */
public final class ContainerStatsRpc implements UnaryRpc<ContainerStatsRequest, ContainerStatsResponse> {
    private final StatsService stats;

    public ContainerStatsRpc(StatsService stats) {
        this.stats = stats;
    }

    @Override
    public ContainerStatsResponse call(ContainerStatsRequest request) {
        String id = Require.idOrPrefix(request.getContainerId(), "container_id");
        return ContainerStatsResponse.newBuilder().setStats(stats.container(id)).build();
    }
}

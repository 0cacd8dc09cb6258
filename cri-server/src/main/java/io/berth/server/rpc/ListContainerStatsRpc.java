package io.berth.server.rpc;

import io.berth.cri.v1.ListContainerStatsRequest;
import io.berth.cri.v1.ListContainerStatsResponse;
import io.berth.server.grpc.UnaryRpc;
import io.berth.server.stats.StatsService;

/** ListContainerStats: every container matching the filter (id and pod id prefixes, labels), oldest first. */
public final class ListContainerStatsRpc implements UnaryRpc<ListContainerStatsRequest, ListContainerStatsResponse> {
    private final StatsService stats;

    public ListContainerStatsRpc(StatsService stats) {
        this.stats = stats;
    }

    @Override
    public ListContainerStatsResponse call(ListContainerStatsRequest request) {
        return ListContainerStatsResponse.newBuilder().addAllStats(stats.containers(request.getFilter())).build();
    }
}

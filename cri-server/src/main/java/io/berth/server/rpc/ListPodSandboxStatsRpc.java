package io.berth.server.rpc;

import io.berth.cri.v1.ListPodSandboxStatsRequest;
import io.berth.cri.v1.ListPodSandboxStatsResponse;
import io.berth.server.grpc.UnaryRpc;
import io.berth.server.stats.StatsService;

/** ListPodSandboxStats: every pod matching the filter (id prefix, labels), oldest first. */
public final class ListPodSandboxStatsRpc
        implements UnaryRpc<ListPodSandboxStatsRequest, ListPodSandboxStatsResponse> {
    private final StatsService stats;

    public ListPodSandboxStatsRpc(StatsService stats) {
        this.stats = stats;
    }

    @Override
    public ListPodSandboxStatsResponse call(ListPodSandboxStatsRequest request) {
        return ListPodSandboxStatsResponse.newBuilder().addAllStats(stats.pods(request.getFilter())).build();
    }
}

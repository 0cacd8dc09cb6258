package io.berth.server.rpc;

import io.berth.cri.v1.ListPodSandboxMetricsRequest;
import io.berth.cri.v1.ListPodSandboxMetricsResponse;
import io.berth.server.grpc.UnaryRpc;
import io.berth.server.stats.StatsService;

/** ListPodSandboxMetrics: cAdvisor-named metrics of every ready pod and its running containers. */
public final class ListPodSandboxMetricsRpc
        implements UnaryRpc<ListPodSandboxMetricsRequest, ListPodSandboxMetricsResponse> {
    private final StatsService stats;

    public ListPodSandboxMetricsRpc(StatsService stats) {
        this.stats = stats;
    }

    @Override
    public ListPodSandboxMetricsResponse call(ListPodSandboxMetricsRequest request) {
        return ListPodSandboxMetricsResponse.newBuilder().addAllPodMetrics(stats.podMetrics()).build();
    }
}

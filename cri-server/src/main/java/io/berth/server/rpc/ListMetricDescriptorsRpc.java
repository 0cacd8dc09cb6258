package io.berth.server.rpc;

import io.berth.cri.v1.ListMetricDescriptorsRequest;
import io.berth.cri.v1.ListMetricDescriptorsResponse;
import io.berth.server.grpc.UnaryRpc;
import io.berth.server.stats.StatsService;

/** ListMetricDescriptors: the cAdvisor-named metrics ListPodSandboxMetrics emits. */
public final class ListMetricDescriptorsRpc
        implements UnaryRpc<ListMetricDescriptorsRequest, ListMetricDescriptorsResponse> {
    private final StatsService stats;

    public ListMetricDescriptorsRpc(StatsService stats) {
        this.stats = stats;
    }

    @Override
    public ListMetricDescriptorsResponse call(ListMetricDescriptorsRequest request) {
        return ListMetricDescriptorsResponse.newBuilder().addAllDescriptors(stats.metricDescriptors()).build();
    }
}

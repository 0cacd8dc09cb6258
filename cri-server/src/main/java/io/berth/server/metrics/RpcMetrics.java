package io.berth.server.metrics;

import io.berth.server.grpc.RpcObserver;
import io.grpc.Status;

/**
 * Records every finished CRI call into the catalog (a count by RPC and status code, durations by RPC), then
 * tells the next observer (the debug log). RPC names and codes are both small fixed sets, so the series stay few.
 */
public final class RpcMetrics implements RpcObserver {
    static final String REQUESTS = "berth_grpc_requests_total";
    static final String DURATION = "berth_grpc_request_duration_seconds";

    private final MetricsCatalog catalog;
    private final RpcObserver next;

    public RpcMetrics(MetricsCatalog catalog, RpcObserver next) {
        this.catalog = catalog;
        this.next = next;
    }

    @Override
    public void completed(String rpc, Status.Code code, long nanos) {
        catalog.counter(REQUESTS, "CRI calls handled by berthd, by RPC and gRPC status code",
                Labels.of("rpc", rpc, "code", code.name())).inc();
        catalog.durations(DURATION, "How long CRI calls took, by RPC (server-streaming calls: until set up)",
                Labels.of("rpc", rpc)).record(nanos);
        next.completed(rpc, code, nanos);
    }
}

package io.berth.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.NotFoundException;
import io.berth.cri.v1.CreateContainerRequest;
import io.berth.cri.v1.RuntimeServiceGrpc;
import io.berth.cri.v1.StatusRequest;
import io.berth.cri.v1.VersionRequest;
import io.berth.cri.v1.VersionResponse;
import io.berth.server.grpc.InProcessCri;
import io.berth.server.grpc.RpcTable;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RPC counters and timers move with calls made through an in-process gRPC server. */
class RpcMetricsTest {
    final MetricsCatalog catalog = new MetricsCatalog();
    final List<String> chained = new ArrayList<>();
    final RpcTable table = new RpcTable(new RpcMetrics(catalog, (rpc, code, nanos) -> chained.add(rpc + ":" + code)))
            .unary(RuntimeServiceGrpc.getVersionMethod(), r -> VersionResponse.getDefaultInstance())
            .unary(RuntimeServiceGrpc.getStatusMethod(), r -> {
                throw new NotFoundException("no such thing");
            });

    @Test
    void countsByRpcAndCodeAndTimesByRpc() throws Exception {
        try (InProcessCri cri = new InProcessCri(table)) {
            cri.runtime().version(VersionRequest.getDefaultInstance());
            cri.runtime().version(VersionRequest.getDefaultInstance());
            assertThatThrownBy(() -> cri.runtime().status(StatusRequest.getDefaultInstance()))
                    .isInstanceOf(StatusRuntimeException.class);
            assertThatThrownBy(() -> cri.runtime().createContainer(CreateContainerRequest.getDefaultInstance()))
                    .isInstanceOf(StatusRuntimeException.class);
        }

        Map<String, PrometheusTextParser.Family> f = PrometheusTextParser.parse(PrometheusText.render(catalog));
        PrometheusTextParser.Family requests = f.get(RpcMetrics.REQUESTS);
        assertThat(requests.type()).isEqualTo("counter");
        assertThat(value(requests, RpcMetrics.REQUESTS, Map.of("rpc", "Version", "code", "OK"))).isEqualTo(2);
        assertThat(value(requests, RpcMetrics.REQUESTS, Map.of("rpc", "Status", "code", "NOT_FOUND"))).isEqualTo(1);
        assertThat(value(requests, RpcMetrics.REQUESTS, Map.of("rpc", "CreateContainer", "code", "UNIMPLEMENTED")))
                .isEqualTo(1);
        assertThat(requests.samples()).hasSize(3);

        PrometheusTextParser.Family durations = f.get(RpcMetrics.DURATION);
        assertThat(durations.type()).isEqualTo("summary");
        assertThat(value(durations, RpcMetrics.DURATION + "_count", Map.of("rpc", "Version"))).isEqualTo(2);
        assertThat(value(durations, RpcMetrics.DURATION + "_sum", Map.of("rpc", "Version"))).isPositive();

        assertThat(chained).as("the debug log still hears every call")
                .containsExactly("Version:OK", "Version:OK", "Status:NOT_FOUND", "CreateContainer:UNIMPLEMENTED");
    }

    private static double value(PrometheusTextParser.Family family, String sample, Map<String, String> labels) {
        return family.sample(sample, labels).orElseThrow(() -> new AssertionError("no " + sample + labels)).value();
    }
}

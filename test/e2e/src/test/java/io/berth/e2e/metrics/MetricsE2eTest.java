package io.berth.e2e.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.e2e.harness.BasicCriCalls;
import io.berth.e2e.harness.BerthdCommand;
import io.berth.e2e.harness.BerthdOptions;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.CommandResult;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.harness.ScratchDir;
import io.berth.e2e.harness.ShimHostProcesses;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** berthd's /metrics endpoint seen from outside: valid Prometheus text whose RPC counters follow the calls made. */
class MetricsE2eTest {

    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    @BeforeEach
    void ownBerthd() {
        E2eSettings.assumeOwnBerthd();
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static BerthdOptions withMetricsOn(int port) {
        return BerthdOptions.defaults().withConfig("[metrics]\naddress = \"127.0.0.1:" + port + "\"\n");
    }

    @Test
    void rpcCountersMoveWithTheCallsMade() throws Exception {
        int port = freePort();
        BerthdProcess berthd = daemons.startBerthd(withMetricsOn(port));

        PrometheusScrape before = PrometheusScrape.of(port);
        for (int i = 0; i < 3; i++) {
            BasicCriCalls.version(berthd.client());
        }
        BasicCriCalls.status(berthd.client(), false);
        BasicCriCalls.status(berthd.client(), true);
        PrometheusScrape after = PrometheusScrape.of(port);

        assertThat(after.contentType).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        String version = "berth_grpc_requests_total{rpc=\"Version\",code=\"OK\"}";
        String status = "berth_grpc_requests_total{rpc=\"Status\",code=\"OK\"}";
        assertThat(after.valueOr0(version) - before.valueOr0(version)).isEqualTo(3);
        assertThat(after.valueOr0(status) - before.valueOr0(status)).isEqualTo(2);
        assertThat(after.types).containsEntry("berth_grpc_requests_total", "counter")
                .containsEntry("berth_grpc_request_duration_seconds", "summary")
                .containsEntry("jvm_memory_bytes_used", "gauge")
                .containsEntry("berth_sandboxes", "gauge");
        assertThat(after.valueOr0("berth_grpc_request_duration_seconds_count{rpc=\"Version\"}"))
                .isGreaterThanOrEqualTo(3);
        assertThat(after.series).containsKey("berth_grpc_request_duration_seconds{rpc=\"Version\",quantile=\"0.99\"}");
        assertThat(after.valueOr0("jvm_memory_bytes_used{area=\"heap\"}")).isPositive();
        assertThat(after.valueOr0("berth_sandboxes")).isZero();
    }

    @Test
    void theEndpointClosesWithTheDaemon() throws Exception {
        int port = freePort();
        BerthdProcess berthd = daemons.startBerthd(withMetricsOn(port));
        PrometheusScrape.of(port);

        assertThat(berthd.stop()).isZero();
        assertThatThrownBy(() -> PrometheusScrape.of(port)).isInstanceOf(ConnectException.class);
    }

    @Test
    void aMetricsAddressInUseRefusesToStartNamingIt() throws Exception {
        ScratchDir dir = daemons.scratchDir("berthd-metrics-");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path config = dir.write("config.toml", "[metrics]\naddress = \"127.0.0.1:" + taken.getLocalPort() + "\"\n");
            CommandResult result = BerthdCommand.run(dir, "--root", dir.resolve("root").toString(),
                    "--state", dir.resolve("state").toString(), "--socket", dir.resolve("berth.sock").toString(),
                    "--config", config.toString());

            assertThat(result.exitCode()).as("%s", result).isEqualTo(1);
            assertThat(result.stderrLines().stream().filter(l -> l.startsWith("berthd: ")))
                    .singleElement().asString().contains("metrics address 127.0.0.1:" + taken.getLocalPort());
            assertThat(dir.resolve("berth.sock")).doesNotExist();
            assertThat(ShimHostProcesses.list(dir.resolve("state"))).as("shim hosts the refused daemon left").isEmpty();
        }
    }
}

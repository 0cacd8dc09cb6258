package io.berth.e2e.foundation;

import com.google.protobuf.Struct;
import io.berth.cri.v1.CgroupDriver;
import io.berth.cri.v1.NetworkConfig;
import io.berth.cri.v1.RuntimeConfig;
import io.berth.cri.v1.RuntimeConfigRequest;
import io.berth.cri.v1.StatusResponse;
import io.berth.cri.v1.UpdateRuntimeConfigRequest;
import io.berth.e2e.harness.BasicCriCalls;
import io.berth.e2e.harness.BerthdOptions;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.CriClient;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.harness.ScratchDir;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.berth.e2e.foundation.CriApiE2eTest.stringField;
import static io.berth.e2e.foundation.CriApiE2eTest.verboseConfig;
import static io.berth.e2e.harness.BasicCriCalls.RUNTIME_READY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Configuration that reaches kubelet: the cgroup driver, runtime readiness, and the pod CIDR kubelet hands down. */
class RuntimeConfigE2eTest {

    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    /** One daemon for the UpdateRuntimeConfig cases; each sets the CIDR it then looks for. */
    private static CriClient client;

    @BeforeAll
    static void startBerthd() {
        E2eSettings.assumeOwnBerthd();
        client = daemons.startBerthd().client();
    }

    @Test
    void cgroupDriverFromTheConfigFileReachesRuntimeConfigAndVerboseStatus() throws Exception {
        BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults().withConfig("cgroup_driver = \"systemd\"\n"));

        assertThat(berthd.client().runtime().runtimeConfig(RuntimeConfigRequest.getDefaultInstance())
                .getLinux().getCgroupDriver()).isEqualTo(CgroupDriver.SYSTEMD);
        assertThat(stringField(verboseConfig(berthd.client()), "cgroup_driver")).isEqualTo("systemd");
    }

    @Test
    void everyDocumentedKeyIsAcceptedAndFlagsOverrideTheFile() throws Exception {
        ScratchDir elsewhere = daemons.scratchDir("berthd-config-");
        BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults().withConfig("""
                root = "%1$s/root"
                state = "%1$s/state"
                socket = "%1$s/berth.sock"
                log_level = "debug"
                shutdown_grace_seconds = 3
                cgroup_driver = "systemd"
                default_runtime = "runc"
                [runtimes.runc]
                binary = "runc"
                [image]
                snapshotter = "native"
                max_concurrent_downloads = 2
                stall_timeout_seconds = 60
                registry_config_dir = "%1$s/etc"
                """.formatted(elsewhere.path())));

        Struct config = verboseConfig(berthd.client());

        assertThat(stringField(config, "root")).isEqualTo(berthd.root().toString());
        assertThat(stringField(config, "state")).isEqualTo(berthd.state().toString());
        assertThat(stringField(config, "socket")).isEqualTo(berthd.socket().toString());
        assertThat(elsewhere.resolve("berth.sock")).doesNotExist();
        assertThat(stringField(config, "cgroup_driver")).as("a key no flag overrides").isEqualTo("systemd");
    }

    @Test
    void runtimeIsNotReadyWhenTheDefaultRuntimeBinaryIsMissing() {
        BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults().withConfig("""
                default_runtime = "ghost"
                [runtimes.ghost]
                binary = "/nonexistent/ghost-runc"
                """));

        StatusResponse status = BasicCriCalls.status(berthd.client(), false);

        assertThat(BasicCriCalls.condition(status, RUNTIME_READY)).hasValueSatisfying(runtime -> {
            assertThat(runtime.getStatus()).isFalse();
            assertThat(runtime.getReason()).isNotBlank();
            assertThat(runtime.getMessage()).contains("/nonexistent/ghost-runc");
        });
    }

    @Test
    void updateRuntimeConfigKeepsThePodCidr() throws Exception {
        client.runtime().updateRuntimeConfig(withPodCidr("10.88.0.0/16"));

        assertThat(stringField(verboseConfig(client), "pod_cidr")).isEqualTo("10.88.0.0/16");
    }

    @Test
    void aLaterPodCidrReplacesTheEarlierOne() throws Exception {
        client.runtime().updateRuntimeConfig(withPodCidr("10.88.0.0/16"));
        client.runtime().updateRuntimeConfig(withPodCidr("fd00:10:244::/64"));

        assertThat(stringField(verboseConfig(client), "pod_cidr")).isEqualTo("fd00:10:244::/64");
    }

    @ParameterizedTest(name = "pod_cidr \"{0}\"")
    @ValueSource(strings = {"not-a-cidr", "10.88.0.0/33", "300.1.2.3/8", "fd00::/129"})
    void aBadPodCidrIsAnInvalidArgumentNamingTheField(String badCidr) throws Exception {
        client.runtime().updateRuntimeConfig(withPodCidr("10.88.0.0/16"));

        StatusRuntimeException failure = catchThrowableOfType(StatusRuntimeException.class,
                () -> client.runtime().updateRuntimeConfig(withPodCidr(badCidr)));

        assertThat(failure).isNotNull();
        assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(failure.getStatus().getDescription()).contains("pod_cidr");
        assertThat(stringField(verboseConfig(client), "pod_cidr")).as("a rejected update changes nothing")
                .isEqualTo("10.88.0.0/16");
    }

    @Test
    void anUpdateWithoutRuntimeConfigIsAnInvalidArgumentNamingTheField() {
        StatusRuntimeException failure = catchThrowableOfType(StatusRuntimeException.class,
                () -> client.runtime().updateRuntimeConfig(UpdateRuntimeConfigRequest.getDefaultInstance()));

        assertThat(failure).isNotNull();
        assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(failure.getStatus().getDescription()).contains("runtime_config");
    }

    private static UpdateRuntimeConfigRequest withPodCidr(String cidr) {
        return UpdateRuntimeConfigRequest.newBuilder()
                .setRuntimeConfig(RuntimeConfig.newBuilder().setNetworkConfig(NetworkConfig.newBuilder().setPodCidr(cidr)))
                .build();
    }
}

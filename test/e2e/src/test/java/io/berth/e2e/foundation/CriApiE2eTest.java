package io.berth.e2e.foundation;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.berth.cri.v1.CgroupDriver;
import io.berth.cri.v1.RuntimeConfigRequest;
import io.berth.cri.v1.StatusResponse;
import io.berth.cri.v1.VersionResponse;
import io.berth.e2e.harness.BasicCriCalls;
import io.berth.e2e.harness.BerthdCommand;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.CommandResult;
import io.berth.e2e.harness.CriClient;
import io.berth.e2e.harness.E2eDaemons;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.berth.e2e.harness.BasicCriCalls.NETWORK_READY;
import static io.berth.e2e.harness.BasicCriCalls.RUNTIME_READY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The read-only runtime RPCs, as kubelet sees them on startup. Runs against one berthd with default options, or
 * against the runtime named by {@code berth.e2e.endpoint}; assertions about berth's own values are skipped then.
 */
class CriApiE2eTest {

    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static CriClient client;

    @BeforeAll
    static void connect() {
        client = daemons.sharedEndpoint();
    }

    @Test
    void versionSpeaksTheV1Api() {
        VersionResponse version = BasicCriCalls.version(client);

        assertThat(version.getRuntimeApiVersion()).isEqualTo("v1");
        assertThat(version.getRuntimeName()).isNotBlank();
        assertThat(version.getRuntimeVersion()).isNotBlank();
    }

    @Test
    void versionNamesBerthAndTheBuildVersionThatTheCommandLinePrints() {
        assumeBerthd();
        CommandResult printed = BerthdCommand.run(daemons.scratchDir("berthd-version-"), "--version");
        assertThat(printed.exitCode()).as("%s", printed).isZero();
        String buildVersion = printed.stdout().strip().substring("berthd ".length());

        VersionResponse version = BasicCriCalls.version(client);

        assertThat(version.getRuntimeName()).isEqualTo("berth");
        assertThat(version.getRuntimeVersion()).isEqualTo(buildVersion);
        assertThat(version.getRuntimeApiVersion()).isEqualTo("v1");
        assertThat(version.getVersion()).isEqualTo("0.1.0");
    }

    @Test
    void concurrentCallsAreAllAnswered() throws Exception {
        // kubelet, crictl and monitoring agents call at once; one slow or serialised handler shows up here.
        List<ListenableFuture<VersionResponse>> calls = IntStream.range(0, 64)
                .mapToObj(i -> client.runtimeAsync().withDeadlineAfter(30, TimeUnit.SECONDS).version(BasicCriCalls.VERSION))
                .toList();

        List<VersionResponse> answers = Futures.allAsList(calls).get(60, TimeUnit.SECONDS);

        assertThat(answers).hasSize(64).allSatisfy(answer -> assertThat(answer).isEqualTo(answers.get(0)));
    }

    @Test
    void statusReportsRuntimeAndNetworkConditions() {
        StatusResponse status = BasicCriCalls.status(client, false);

        assertThat(BasicCriCalls.condition(status, RUNTIME_READY)).isPresent();
        assertThat(BasicCriCalls.condition(status, NETWORK_READY)).isPresent();
    }

    @Test
    void runtimeIsReadyWithRuncInstalledAndTheDefaultBridgeNetworkIsReady() {
        assumeBerthd();
        StatusResponse status = BasicCriCalls.status(client, false);

        assertThat(BasicCriCalls.condition(status, RUNTIME_READY))
                .hasValueSatisfying(runtime -> assertThat(runtime.getStatus()).as("%s", runtime).isTrue());
        // The built-in bridge plugin is the default and needs no install (10.88.0.0/16 is free on CI hosts);
        // the not-ready reasons are covered in network/PodNetworkE2eTest.
        assertThat(BasicCriCalls.condition(status, NETWORK_READY)).hasValueSatisfying(network ->
                assertThat(network.getStatus()).as("%s", network).isTrue());
    }

    @Test
    void nonVerboseStatusHasNoInfo() {
        assumeBerthd();
        assertThat(BasicCriCalls.status(client, false).getInfoMap()).isEmpty();
    }

    @Test
    void verboseStatusCarriesTheEffectiveConfigAsJson() throws Exception {
        assumeBerthd();
        Struct config = verboseConfig(client);

        BerthdProcess berthd = daemons.sharedBerthd().orElseThrow();
        assertThat(stringField(config, "root")).isEqualTo(berthd.root().toString());
        assertThat(stringField(config, "state")).isEqualTo(berthd.state().toString());
        assertThat(stringField(config, "socket")).isEqualTo(berthd.socket().toString());
        assertThat(stringField(config, "cgroup_driver")).isEqualTo("cgroupfs");
    }

    @Test
    void runtimeConfigDefaultsToTheCgroupfsDriver() {
        assumeBerthd();
        assertThat(client.runtime().runtimeConfig(RuntimeConfigRequest.getDefaultInstance()).getLinux().getCgroupDriver())
                .isEqualTo(CgroupDriver.CGROUPFS);
    }

    /** The effective config berthd puts under {@code info["config"]} of a verbose Status. */
    static Struct verboseConfig(CriClient client) throws Exception {
        StatusResponse status = BasicCriCalls.status(client, true);
        assertThat(status.getInfoMap()).containsKey("config");
        Struct.Builder config = Struct.newBuilder();
        JsonFormat.parser().merge(status.getInfoMap().get("config"), config);
        return config.build();
    }

    static String stringField(Struct json, String name) {
        assertThat(json.getFieldsMap()).as("keys of the config JSON").containsKey(name);
        return json.getFieldsMap().get(name).getStringValue();
    }

    private static void assumeBerthd() {
        assumeTrue(daemons.sharedEndpointIsOwnBerthd(), "expects berth's own values; the suite points at another runtime");
    }
}

package io.berth.server.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.cri.v1.CgroupDriver;
import io.berth.cri.v1.NetworkConfig;
import io.berth.cri.v1.RuntimeCondition;
import io.berth.cri.v1.RuntimeConfig;
import io.berth.cri.v1.RuntimeConfigRequest;
import io.berth.cri.v1.RuntimeServiceGrpc;
import io.berth.cri.v1.StatusRequest;
import io.berth.cri.v1.StatusResponse;
import io.berth.cri.v1.UpdateRuntimeConfigRequest;
import io.berth.cri.v1.VersionRequest;
import io.berth.cri.v1.VersionResponse;
import io.berth.server.BuildInfo;
import io.berth.server.config.BerthConfig;
import io.berth.server.config.ConfigLoader;
import io.berth.server.grpc.InProcessCri;
import io.berth.server.grpc.RpcTable;
import io.berth.server.podnetwork.PodCidr;
import io.berth.server.runtimestatus.HandlerFeatures;
import io.berth.server.runtimestatus.NetworkReadiness;
import io.berth.server.runtimestatus.RuntimeReadiness;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FirstRpcsTest {
    @TempDir
    Path dir;

    private InProcessCri serve(String toml) throws Exception {
        Path f = dir.resolve("c.toml");
        Files.writeString(f, "root = \"" + dir + "\"\n" + toml);
        BerthConfig config = ConfigLoader.load(f);
        PodCidr cidr = new PodCidr();
        RpcTable table = new RpcTable((rpc, code, nanos) -> { })
                .unary(RuntimeServiceGrpc.getVersionMethod(), new VersionRpc(BuildInfo.version()))
                .unary(RuntimeServiceGrpc.getStatusMethod(),
                        new StatusRpc(config, new RuntimeReadiness(config), NetworkReadiness.noPlugin(), cidr,
                                HandlerFeatures.probe(config)))
                .unary(RuntimeServiceGrpc.getRuntimeConfigMethod(), new RuntimeConfigRpc(config))
                .unary(RuntimeServiceGrpc.getUpdateRuntimeConfigMethod(), new UpdateRuntimeConfigRpc(cidr));
        return new InProcessCri(table);
    }

    @Test
    void versionNamesBerthAndApiV1() throws Exception {
        try (InProcessCri cri = serve("")) {
            VersionResponse v = cri.runtime().version(VersionRequest.newBuilder().setVersion("v1").build());
            assertThat(v.getRuntimeName()).isEqualTo("berth");
            assertThat(v.getRuntimeApiVersion()).isEqualTo("v1");
            assertThat(v.getRuntimeVersion()).isEqualTo(BuildInfo.version());
            assertThat(v.getVersion()).isEqualTo("0.1.0");
        }
    }

    @Test
    void statusIsRuntimeReadyWhenTheRuntimeBinaryExistsAndNeverNetworkReadyWithoutAPlugin() throws Exception {
        try (InProcessCri cri = serve("default_runtime = \"sh\"\n[runtimes.sh]\nbinary = \"/bin/sh\"\n")) {
            StatusResponse s = cri.runtime().status(StatusRequest.getDefaultInstance());
            assertThat(s.getStatus().getConditionsList()).extracting(RuntimeCondition::getType)
                    .containsExactly("RuntimeReady", "NetworkReady");
            assertThat(s.getStatus().getConditions(0).getStatus()).isTrue();
            RuntimeCondition net = s.getStatus().getConditions(1);
            assertThat(net.getStatus()).isFalse();
            assertThat(net.getReason()).isEqualTo("NetworkPluginNotReady");
            assertThat(net.getMessage()).isNotEmpty();
            assertThat(s.getInfoMap()).isEmpty();
            assertThat(s.getRuntimeHandlersList()).extracting(h -> h.getName()).containsExactly("", "runc", "sh");
        }
    }

    @Test
    void statusReportsWhatEachHandlersRuntimeCanDo() throws Exception {
        // "sh features" fails, so the sh handler (the default here) cannot claim recursive read-only mounts; runc's
        // own features command answers for the runc handler.
        try (InProcessCri cri = serve("default_runtime = \"sh\"\n[runtimes.sh]\nbinary = \"/bin/sh\"\n")) {
            StatusResponse s = cri.runtime().status(StatusRequest.getDefaultInstance());
            Process features = new ProcessBuilder("runc", "features").start();
            boolean runcHasRro = new String(features.getInputStream().readAllBytes()).contains("\"rro\"");
            assertThat(s.getRuntimeHandlersList()).extracting(h -> h.getName() + "=" + h.getFeatures()
                    .getRecursiveReadOnlyMounts()).containsExactly("=false", "runc=" + runcHasRro, "sh=false");
            assertThat(s.getRuntimeHandlersList()).allMatch(h -> !h.getFeatures().getUserNamespaces());
            assertThat(s.getFeatures().getSupplementalGroupsPolicy()).isTrue();
            assertThat(s.getFeatures().getMountOptions()).isTrue();
            assertThat(s.getFeatures().getUserNamespacesHostNetwork()).isFalse();
        }
    }

    @Test
    void statusSaysWhichRuntimeBinaryIsMissing() throws Exception {
        try (InProcessCri cri = serve("default_runtime = \"ghost\"\n[runtimes.ghost]\nbinary = \"no-such-runtime-x\"\n")) {
            RuntimeCondition rt = cri.runtime().status(StatusRequest.getDefaultInstance()).getStatus().getConditions(0);
            assertThat(rt.getStatus()).isFalse();
            assertThat(rt.getReason()).isEqualTo("RuntimeBinaryMissing");
            assertThat(rt.getMessage()).contains("no-such-runtime-x").contains("runtimes.ghost.binary");
        }
    }

    @Test
    void runtimeConfigReportsTheConfiguredCgroupDriver() throws Exception {
        try (InProcessCri cri = serve("")) {
            assertThat(cri.runtime().runtimeConfig(RuntimeConfigRequest.getDefaultInstance()).getLinux().getCgroupDriver())
                    .isEqualTo(CgroupDriver.CGROUPFS);
        }
        try (InProcessCri cri = serve("cgroup_driver = \"systemd\"\n")) {
            assertThat(cri.runtime().runtimeConfig(RuntimeConfigRequest.getDefaultInstance()).getLinux().getCgroupDriver())
                    .isEqualTo(CgroupDriver.SYSTEMD);
        }
    }

    @Test
    void thePodCidrFromKubeletShowsInVerboseStatus() throws Exception {
        try (InProcessCri cri = serve("")) {
            cri.runtime().updateRuntimeConfig(update("10.244.1.0/24"));
            String json = cri.runtime().status(StatusRequest.newBuilder().setVerbose(true).build()).getInfoOrThrow("config");
            JsonNode config = new ObjectMapper().readTree(json);
            assertThat(config.get("pod_cidr").asText()).isEqualTo("10.244.1.0/24");
            assertThat(config.get("root").asText()).isEqualTo(dir.toString());
            assertThat(config.get("cgroup_driver").asText()).isEqualTo("cgroupfs");
        }
    }

    @Test
    void updateRuntimeConfigNamesTheBadField() throws Exception {
        try (InProcessCri cri = serve("")) {
            assertThatThrownBy(() -> cri.runtime().updateRuntimeConfig(UpdateRuntimeConfigRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).isEqualTo("runtime_config is required");
                    });
            assertThatThrownBy(() -> cri.runtime().updateRuntimeConfig(update("10.0.0.0/99")))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription())
                                .startsWith("runtime_config.network_config.pod_cidr '10.0.0.0/99' is not a valid CIDR");
                    });
        }
    }

    private static UpdateRuntimeConfigRequest update(String cidr) {
        return UpdateRuntimeConfigRequest.newBuilder()
                .setRuntimeConfig(RuntimeConfig.newBuilder().setNetworkConfig(NetworkConfig.newBuilder().setPodCidr(cidr)))
                .build();
    }
}

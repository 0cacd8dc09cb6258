package io.berth.server.container.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.error.InvalidArgumentException;
import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.LinuxContainerConfig;
import io.berth.cri.v1.LinuxContainerResources;
import io.berth.cri.v1.LinuxSandboxSecurityContext;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.NamespaceOption;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.SecurityProfile;
import io.berth.server.config.CgroupDriver;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpecBuilderTest {
    private final FakeHostFilesystem fs = Fixtures.fs();
    private final SpecBuilder builder = new SpecBuilder(Fixtures.host(), fs, (image, sub) -> "/iv");

    private OciSpec build(ContainerConfig config) {
        return builder.build(Fixtures.inputs(config, Fixtures.pod().build()));
    }

    @Test
    void ordinaryContainer() {
        OciSpec spec = build(Fixtures.config().addArgs("-c").addArgs("id").setTty(true).setWorkingDir("/w")
                .putAnnotations("team", "a").putAnnotations("io.kubernetes.cri.sandbox-id", "spoofed").build());
        assertThat(spec.ociVersion()).isEqualTo("1.1.0");
        assertThat(spec.process().terminal()).isTrue();
        assertThat(spec.process().args()).containsExactly("/bin/sh", "-c", "id");
        assertThat(spec.process().cwd()).isEqualTo("/w");
        assertThat(spec.process().env()).containsExactly("PATH=/usr/bin:/bin", "HOSTNAME=web-0", "LANG=C");
        assertThat(spec.process().user()).isEqualTo(new OciSpec.User(1000, 1000, null, List.of(1000L, 10L)));
        assertThat(spec.process().capabilities().bounding()).containsExactlyInAnyOrderElementsOf(Capabilities.DEFAULT);
        assertThat(spec.process().noNewPrivileges()).isFalse();
        assertThat(spec.process().apparmorProfile()).isNull();
        assertThat(spec.process().oomScoreAdj()).isEqualTo(0);
        assertThat(spec.root()).isEqualTo(new OciSpec.Root("rootfs", false));
        assertThat(spec.hostname()).isEqualTo("web-0");
        assertThat(spec.linux().cgroupsPath()).isEqualTo("/kubepods/besteffort/pod-uid-1/" + Fixtures.CONTAINER_ID);
        assertThat(spec.linux().maskedPaths()).isEqualTo(SpecBuilder.DEFAULT_MASKED_PATHS);
        assertThat(spec.linux().readonlyPaths()).isEqualTo(SpecBuilder.DEFAULT_READONLY_PATHS);
        assertThat(spec.linux().seccomp()).isNull();
        assertThat(spec.linux().namespaces()).extracting(OciSpec.Namespace::type)
                .containsExactly("pid", "network", "uts", "ipc", "mount", "cgroup");
        assertThat(spec.annotations()).containsEntry("team", "a")
                .containsEntry("io.kubernetes.cri.container-type", "container")
                .containsEntry("io.kubernetes.cri.sandbox-id", Fixtures.POD_ID)
                .containsEntry("io.kubernetes.cri.sandbox-name", "web")
                .containsEntry("io.kubernetes.cri.sandbox-namespace", "default")
                .containsEntry("io.kubernetes.cri.sandbox-uid", "uid-1")
                .containsEntry("io.kubernetes.cri.container-name", "app")
                .containsEntry("io.kubernetes.cri.image-name", "docker.io/library/busybox:1.36");
    }

    @Test
    void jsonUsesRuntimeSpecNamesAndLeavesOutEmptyMembers() throws Exception {
        ContainerConfig config = Fixtures.config().setLinux(LinuxContainerConfig.newBuilder()
                .setSecurityContext(Fixtures.sc().setNoNewPrivs(true).setReadonlyRootfs(true)
                        .setSeccomp(SecurityProfile.newBuilder()
                                .setProfileType(SecurityProfile.ProfileType.RuntimeDefault)))
                .setResources(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(1 << 26)
                        .setOomScoreAdj(-999)))
                .build();
        String json = OciSpecJson.toString(build(config));
        JsonNode n = new ObjectMapper().readTree(json);
        assertThat(n.fieldNames()).toIterable().containsExactlyInAnyOrder("ociVersion", "process", "root", "hostname",
                "mounts", "annotations", "linux");
        JsonNode p = n.get("process");
        assertThat(p.fieldNames()).toIterable().containsExactlyInAnyOrder("user", "args", "env", "cwd",
                "capabilities", "noNewPrivileges", "oomScoreAdj");
        assertThat(p.get("noNewPrivileges").asBoolean()).isTrue();
        assertThat(p.get("oomScoreAdj").asInt()).isEqualTo(-999);
        assertThat(p.get("user").fieldNames()).toIterable().containsExactly("uid", "gid", "additionalGids");
        assertThat(p.get("capabilities").fieldNames()).toIterable()
                .containsExactly("bounding", "effective", "permitted");
        assertThat(n.get("root").get("readonly").asBoolean()).isTrue();
        JsonNode linux = n.get("linux");
        assertThat(linux.fieldNames()).toIterable().containsExactlyInAnyOrder("resources", "cgroupsPath",
                "namespaces", "seccomp", "maskedPaths", "readonlyPaths");
        assertThat(linux.get("resources").get("devices").get(0).toString())
                .isEqualTo("{\"allow\":false,\"access\":\"rwm\"}");
        assertThat(linux.get("resources").get("memory").toString())
                .isEqualTo("{\"limit\":67108864,\"swap\":67108864}");
        assertThat(linux.get("namespaces").get(0).toString()).isEqualTo("{\"type\":\"pid\"}");
        assertThat(linux.get("seccomp").get("defaultAction").asText()).isEqualTo("SCMP_ACT_ERRNO");
        assertThat(linux.get("seccomp").get("defaultErrnoRet").asInt()).isEqualTo(1);
        assertThat(json).doesNotContain("null").doesNotContain("\"terminal\"").doesNotContain("\"hostID\"")
                .doesNotContain("uidMappings").doesNotContain("rootfsPropagation");
        assertThat(n.get("mounts").get(0).toString()).isEqualTo(
                "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\","
                        + "\"options\":[\"nosuid\",\"noexec\",\"nodev\"]}");
    }

    @Test
    void privilegedContainer() {
        fs.hostDevices.add(new DeviceNode("/dev/sda", "b", 8, 0, 0660, 0, 6));
        PodSandboxConfig pod = Fixtures.pod().setLinux(Fixtures.pod().getLinux().toBuilder().setSecurityContext(
                LinuxSandboxSecurityContext.newBuilder().setPrivileged(true))).build();
        ContainerConfig config = Fixtures.withSc(Fixtures.sc().setPrivileged(true).setApparmor(SecurityProfile
                .getDefaultInstance()).setSeccomp(SecurityProfile.getDefaultInstance()));
        OciSpec spec = new SpecBuilder(new HostFacts(CgroupDriver.CGROUPFS, true, true, false, true, 0, "amd64", "n"),
                fs, (i, s) -> "/iv").build(Fixtures.inputs(config, pod));
        assertThat(spec.process().capabilities().bounding()).isEqualTo(Capabilities.ALL);
        assertThat(spec.process().apparmorProfile()).isNull();
        assertThat(spec.linux().seccomp()).isNull();
        assertThat(spec.linux().maskedPaths()).isEmpty();
        assertThat(spec.linux().readonlyPaths()).isEmpty();
        assertThat(spec.linux().devices()).extracting(OciSpec.Device::path).containsExactly("/dev/sda");
        assertThat(spec.linux().resources().devices())
                .containsExactly(new OciSpec.DeviceRule(true, null, null, null, "rwm"));
        assertThat(spec.mounts()).filteredOn(m -> m.destination().equals("/sys")).singleElement()
                .satisfies(m -> assertThat(m.options()).contains("rw"));

        assertThatThrownBy(() -> builder.build(Fixtures.inputs(config, Fixtures.pod().build())))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("does not allow privileged containers");
    }

    @Test
    void requestedMaskedAndReadonlyPathsReplaceTheDefaults() {
        OciSpec spec = build(Fixtures.withSc(Fixtures.sc().addMaskedPaths("/proc/kcore").addReadonlyPaths("/proc/sys")));
        assertThat(spec.linux().maskedPaths()).containsExactly("/proc/kcore");
        assertThat(spec.linux().readonlyPaths()).containsExactly("/proc/sys");
        assertThatThrownBy(() -> build(Fixtures.withSc(Fixtures.sc().addMaskedPaths("proc"))))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessageStartingWith("config.linux.security_context.masked_paths[0]");
    }

    @Test
    void hostNetworkPodHasNoHostnameButTheNodesNameInItsEnv() {
        NamespaceOption host = NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE).setIpc(NamespaceMode.NODE)
                .setPid(NamespaceMode.NODE).build();
        OciSpec spec = builder.build(Fixtures.inputs(Fixtures.withSc(Fixtures.sc().setNamespaceOptions(host)),
                Fixtures.pod().build(), Fixtures.hostSandbox()));
        assertThat(spec.hostname()).isNull();
        assertThat(spec.process().env()).contains("HOSTNAME=node-1");
        assertThat(spec.linux().namespaces()).extracting(OciSpec.Namespace::type).containsExactly("mount", "cgroup");
        assertThat(spec.mounts()).filteredOn(m -> m.destination().equals("/dev/shm")).singleElement()
                .extracting(OciSpec.Mount::source).isEqualTo("/dev/shm");
    }

    @Test
    void sysctlsAreTheOnesTheSandboxAdmittedNotARereadOfThePodConfig() {
        PodSandboxConfig pod = Fixtures.pod().setLinux(Fixtures.pod().getLinux().toBuilder()
                .putSysctls("net/ipv4/ping_group_range", "0 2147483647")).build();
        SandboxFacts sandbox = Fixtures.sandbox(Map.of("net.ipv4.ping_group_range", "0 2147483647"));
        assertThat(builder.build(Fixtures.inputs(Fixtures.config().build(), pod, sandbox)).linux().sysctl())
                .containsExactly(Map.entry("net.ipv4.ping_group_range", "0 2147483647"));
    }

    @Test
    void aHostileContainerIdIsRefused() {
        // The pod's host name is admitted once, by RunPodSandbox (SandboxLifecycleTest); the id is the spec's own.
        SpecInputs in = Fixtures.inputs(Fixtures.config().build(), Fixtures.pod().build());
        SpecInputs bad = new SpecInputs("../x", in.config(), in.sandboxConfig(), in.sandbox(), in.image(),
                in.imageName(), in.user(), in.rootfsPath(), 0);
        assertThatThrownBy(() -> builder.build(bad)).isInstanceOf(InvalidArgumentException.class);
    }
}

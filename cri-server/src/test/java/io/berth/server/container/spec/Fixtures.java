package io.berth.server.container.spec;

import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.ContainerMetadata;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.LinuxContainerConfig;
import io.berth.cri.v1.LinuxContainerSecurityContext;
import io.berth.cri.v1.LinuxPodSandboxConfig;
import io.berth.cri.v1.LinuxSandboxSecurityContext;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.NamespaceOption;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxMetadata;
import io.berth.server.config.CgroupDriver;
import java.util.List;
import java.util.Map;

/** Requests, sandboxes and hosts that tests start from and change one field at a time. */
final class Fixtures {
    static final String POD_ID = "podsandbox0123";
    static final String CONTAINER_ID = "c0ffee0123456789";

    private Fixtures() {}

    static HostFacts host() {
        return new HostFacts(CgroupDriver.CGROUPFS, true, false, false, true, -999, "amd64", "node-1");
    }

    static SandboxFacts sandbox() {
        return sandbox(Map.of());
    }

    static SandboxFacts sandbox(Map<String, String> sysctls) {
        return new SandboxFacts(POD_ID, "/run/berth/ns/net-1", "/run/berth/ns/ipc-1", "/run/berth/ns/uts-1",
                NamespaceMode.POD, "/proc/4242/ns/pid", "/kubepods/besteffort/pod-uid-1",
                "/run/berth/sandboxes/p/hosts",
                "/run/berth/sandboxes/p/resolv.conf", "/run/berth/sandboxes/p/hostname",
                "/run/berth/sandboxes/p/shm", sysctls);
    }

    /** A sandbox on the host's network, IPC and PID namespaces. */
    static SandboxFacts hostSandbox() {
        SandboxFacts s = sandbox();
        return new SandboxFacts(POD_ID, "", "", "", NamespaceMode.NODE, "", s.cgroupParent(), s.hostsPath(),
                s.resolvConfPath(), s.hostnamePath(), "", Map.of());
    }

    /** The host paths the default sandbox mounts need. */
    static FakeHostFilesystem fs() {
        SandboxFacts s = sandbox();
        return new FakeHostFilesystem().withPaths(s.hostsPath(), s.resolvConfPath(), s.hostnamePath(), s.shmPath(),
                "/dev/shm");
    }

    static NamespaceOption podNamespaces() {
        return NamespaceOption.newBuilder().setNetwork(NamespaceMode.POD).setIpc(NamespaceMode.POD)
                .setPid(NamespaceMode.CONTAINER).build();
    }

    static ContainerConfig.Builder config() {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName("app"))
                .setImage(ImageSpec.newBuilder().setImage("sha256:abc"))
                .addCommand("/bin/sh")
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
                        LinuxContainerSecurityContext.newBuilder().setNamespaceOptions(podNamespaces())));
    }

    static PodSandboxConfig.Builder pod() {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName("web").setNamespace("default").setUid("uid-1"))
                .setHostname("web-0")
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent("/kubepods/besteffort/pod-uid-1")
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                                .setNamespaceOptions(podNamespaces())));
    }

    static SpecInputs inputs(ContainerConfig config, PodSandboxConfig pod) {
        return inputs(config, pod, sandbox());
    }

    static SpecInputs inputs(ContainerConfig config, PodSandboxConfig pod, SandboxFacts sandbox) {
        return new SpecInputs(CONTAINER_ID, config, pod, sandbox,
                new ImageProcessDefaults("", List.of("PATH=/usr/bin:/bin", "LANG=C"), List.of(), List.of(), "", ""),
                "docker.io/library/busybox:1.36", new ResolvedUser(1000, 1000, List.of(1000L, 10L)), "rootfs", 0);
    }

    static LinuxContainerSecurityContext.Builder sc() {
        return LinuxContainerSecurityContext.newBuilder().setNamespaceOptions(podNamespaces());
    }

    static ContainerConfig withSc(LinuxContainerSecurityContext.Builder sc) {
        return config().setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(sc)).build();
    }
}

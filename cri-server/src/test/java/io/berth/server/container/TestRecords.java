package io.berth.server.container;

import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.ContainerMetadata;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxMetadata;
import io.berth.server.sandbox.SandboxMetadata;
import io.berth.server.sandbox.SandboxStatus;
import io.berth.server.sandbox.SandboxStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Sandbox and container records as berthd writes them, without running anything: for stats and event tests. */
public final class TestRecords {
    private static final AtomicLong CLOCK = new AtomicLong(1_000);

    private TestRecords() {}

    /** A 64-hex id that starts with {@code prefix} (hex digits), so tests can name and prefix-match ids. */
    public static String id(String prefix) {
        return (prefix + "0".repeat(64)).substring(0, 64);
    }

    public static SandboxStore.Sandbox sandbox(SandboxStore store, String id, String name, Map<String, String> labels,
            String cgroupParent, Path stateDir) {
        PodSandboxConfig.Builder config = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("ns").setUid("uid-" + name))
                .putAllLabels(labels);
        config.getLinuxBuilder().setCgroupParent(cgroupParent);
        PodSandboxConfig pod = config.build();
        return store.add(new SandboxMetadata(id, SandboxMetadata.reservedName(pod.getMetadata()), pod,
                "runc", CLOCK.incrementAndGet(), stateDir.toString(), false, false, false, Map.of()),
                SandboxStatus.created());
    }

    public static ContainerStore.Container container(ContainerStore store, String id, String sandboxId, String name,
            Map<String, String> labels) {
        ContainerConfig config = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name).setAttempt(1))
                .setImage(ImageSpec.newBuilder().setImage("busybox"))
                .putAllLabels(labels)
                .putAnnotations("note", name)
                .build();
        StoredContainerMetadata meta = new StoredContainerMetadata(id, sandboxId, name + "_pod", config,
                "sha256:" + "a".repeat(64), "busybox@sha256:" + "b".repeat(64), CLOCK.incrementAndGet(), "",
                "/run/berth/containers/" + id.substring(0, 16), "container-" + id, "runc", "SIGTERM", 0, 0,
                List.of());
        return store.add(meta, ContainerRunStatus.created());
    }
}

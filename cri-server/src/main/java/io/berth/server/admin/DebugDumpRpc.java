package io.berth.server.admin;

import io.berth.admin.v1.ContainerDump;
import io.berth.admin.v1.DebugDumpReply;
import io.berth.admin.v1.DebugDumpRequest;
import io.berth.admin.v1.SandboxDump;
import io.berth.server.config.CgroupDriver;
import io.berth.server.container.ContainerStore;
import io.berth.server.container.StoredContainerMetadata;
import io.berth.server.container.spec.CgroupsPath;
import io.berth.server.grpc.UnaryRpc;
import io.berth.server.sandbox.SandboxMetadata;
import io.berth.server.sandbox.SandboxStore;
import io.berth.shim.RunDir;
import io.berth.shim.api.ShimConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * DebugDump: every sandbox and container as berthd's stores hold them, with the paths that belong to each,
 * so an operator can go from a pod to its files without knowing berth's layout. Read from memory and from
 * berth's own files; a container whose sandbox is gone is still listed.
 */
public final class DebugDumpRpc implements UnaryRpc<DebugDumpRequest, DebugDumpReply> {
    /** A shim config is a few hundred bytes; a bigger file is not one berth wrote. */
    private static final long MAX_SHIM_CONFIG_BYTES = 1024 * 1024;

    /** Where the record files of sandboxes and containers are, one {@code <id>.json} each. */
    public record RecordDirs(Path sandboxes, Path containers) {}

    private final SandboxStore sandboxes;
    private final ContainerStore containers;
    private final RecordDirs records;
    private final SnapshotDirs snapshots;
    private final CgroupDriver cgroupDriver;

    public DebugDumpRpc(SandboxStore sandboxes, ContainerStore containers, RecordDirs records,
            SnapshotDirs snapshots, CgroupDriver cgroupDriver) {
        this.sandboxes = sandboxes;
        this.containers = containers;
        this.records = records;
        this.snapshots = snapshots;
        this.cgroupDriver = cgroupDriver;
    }

    @Override
    public DebugDumpReply call(DebugDumpRequest request) {
        Map<String, SandboxStore.Sandbox> pods = sandboxes.list().stream()
                .collect(Collectors.toMap(SandboxStore.Sandbox::id, Function.identity()));
        DebugDumpReply.Builder out = DebugDumpReply.newBuilder();
        pods.values().stream()
                .sorted(Comparator.comparingLong((SandboxStore.Sandbox s) -> s.metadata().createdAtNanos())
                        .thenComparing(SandboxStore.Sandbox::id))
                .forEach(s -> out.addSandboxes(sandbox(s)));
        containers.list().stream()
                .sorted(Comparator.comparingLong((ContainerStore.Container c) -> c.metadata().createdAtNanos())
                        .thenComparing(ContainerStore.Container::id))
                .forEach(c -> out.addContainers(container(c, pods.get(c.metadata().sandboxId()))));
        return out.build();
    }

    private SandboxDump sandbox(SandboxStore.Sandbox s) {
        SandboxMetadata m = s.metadata();
        return SandboxDump.newBuilder()
                .setId(s.id())
                .setName(m.name())
                .setMetadata(m.config().getMetadata())
                .setState(s.status().ready() ? "READY" : "NOTREADY")
                .setCreatedAtUnixNanos(m.createdAtNanos())
                .setPid(s.status().infraPid())
                .setRuntimeHandler(m.runtimeHandler())
                .addAllIps(s.status().ips())
                .setRecordFile(records.sandboxes().resolve(s.id() + ".json").toString())
                .setStateDir(m.stateDir())
                .setNetns(m.hostNetwork() ? "" : m.paths().netns().toString())
                .setCgroup(CgroupsPath.podDir(cgroupDriver, cgroupParent(s)))
                .build();
    }

    private ContainerDump container(ContainerStore.Container c, SandboxStore.Sandbox pod) {
        StoredContainerMetadata m = c.metadata();
        ContainerDump.Builder out = ContainerDump.newBuilder()
                .setId(c.id())
                .setSandboxId(m.sandboxId())
                .setName(m.name())
                .setMetadata(m.config().getMetadata())
                .setState(c.status().phase().name())
                .setCreatedAtUnixNanos(m.createdAtNanos())
                .setPid(c.status().pid())
                .setImageRef(m.imageRef())
                .setRecordFile(records.containers().resolve(c.id() + ".json").toString())
                .setRunDir(m.runDir())
                .setSnapshotKey(m.snapshotKey())
                .setLogPath(m.logPath());
        shimConfig(m.runPath()).ifPresent(config -> out.setBundle(config.getBundle()));
        snapshots.writableDir(m.snapshotKey()).ifPresent(dir -> out.setRootfsDir(dir.toString()));
        if (pod != null) {
            try {
                out.setCgroup(CgroupsPath.containerDir(cgroupDriver, cgroupParent(pod), c.id()));
            } catch (RuntimeException refused) {
                // A parent kubelet sent that no spec could use: the container never got a cgroup from it.
            }
        }
        return out.build();
    }

    private static String cgroupParent(SandboxStore.Sandbox s) {
        return s.metadata().config().getLinux().getCgroupParent();
    }

    /** What the shim was told, which names the bundle; absent before the shim was launched. */
    private static Optional<ShimConfig> shimConfig(Path runDir) {
        Path file = new RunDir(runDir).config();
        try {
            if (!Files.isRegularFile(file) || Files.size(file) > MAX_SHIM_CONFIG_BYTES) {
                return Optional.empty();
            }
            return Optional.of(ShimConfig.parseFrom(Files.readAllBytes(file)));
        } catch (IOException unreadable) {
            return Optional.empty();
        }
    }
}

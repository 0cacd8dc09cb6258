package io.berth.server.stats;

import io.berth.cri.v1.ContainerStats;
import io.berth.cri.v1.ContainerStatsFilter;
import io.berth.cri.v1.MetricDescriptor;
import io.berth.cri.v1.PodSandboxMetrics;
import io.berth.cri.v1.PodSandboxStats;
import io.berth.cri.v1.PodSandboxStatsFilter;
import io.berth.linux.cgroup.Statvfs;
import io.berth.server.config.CgroupDriver;
import io.berth.server.container.ContainerStore;
import io.berth.server.sandbox.SandboxStore;
import io.berth.snapshotter.Snapshotter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The stats and metrics RPCs' answers, read from the stores (memory), the cgroup files of the containers asked
 * about, the pods' network namespaces and the writable-layer cache. Filters match as ListContainers' do: ids and
 * pod ids by prefix, labels all equal.
 */
public final class StatsService implements AutoCloseable {
    /** How often writable layers are walked again, as containerd's snapshot syncer does. */
    public static final Duration LAYER_REFRESH = Duration.ofSeconds(10);

    private final ContainerStore containers;
    private final SandboxStore sandboxes;
    private final ContainerReadings containerReadings;
    private final SandboxReadings podReadings;
    private final StatsViews views;
    private final CadvisorMetrics metrics;
    private final Path snapshotRoot;
    private final StatsHousekeeping housekeeping;

    public StatsService(ContainerStore containers, SandboxStore sandboxes, Snapshotter snapshotter, Path snapshotRoot,
            CgroupSource cgroups, SandboxTrafficCounters interfaces, CgroupDriver driver, Clock clock) {
        this(containers, sandboxes, snapshotter, snapshotRoot, cgroups, interfaces, driver, clock,
                new CpuUsageSampler());
    }

    /** With the CPU rate taken by {@code sampler}, whose clock tests control. */
    StatsService(ContainerStore containers, SandboxStore sandboxes, Snapshotter snapshotter, Path snapshotRoot,
            CgroupSource cgroups, SandboxTrafficCounters interfaces, CgroupDriver driver, Clock clock,
            CpuUsageSampler sampler) {
        this.containers = containers;
        this.sandboxes = sandboxes;
        WritableLayerUsage layers = new WritableLayerUsage(snapshotter, clock);
        ContainerCgroups located = new ContainerCgroups(cgroups, driver);
        this.containerReadings = new ContainerReadings(located, cgroups, sampler, layers, sandboxes, clock);
        this.podReadings = new SandboxReadings(cgroups, driver, sampler, interfaces, clock);
        this.views = new StatsViews(snapshotRoot.toString());
        this.metrics = new CadvisorMetrics(snapshotRoot.toString(), new BlockDeviceNames(Path.of("/sys")));
        this.snapshotRoot = snapshotRoot;
        this.housekeeping = new StatsHousekeeping(containers, sandboxes, layers, located, sampler);
    }

    /** Starts walking writable layers (and forgetting gone containers) every {@code period}, off the RPC path. */
    public StatsService startHousekeeping(Duration period) {
        housekeeping.start(period);
        return this;
    }

    /** One housekeeping round now, instead of waiting for the timer. */
    void housekeepingNow() {
        housekeeping.runOnce();
    }

    public ContainerStats container(String idOrPrefix) {
        return views.container(containerReadings.read(containers.resolve(idOrPrefix)));
    }

    public List<ContainerStats> containers(ContainerStatsFilter f) {
        return containers.list().stream()
                .filter(c -> c.id().startsWith(f.getId()))
                .filter(c -> c.metadata().sandboxId().startsWith(f.getPodSandboxId()))
                .filter(c -> f.getLabelSelectorMap().isEmpty()
                        || matches(c.metadata().config().getLabelsMap(), f.getLabelSelectorMap()))
                .sorted(Comparator.comparingLong(c -> c.metadata().createdAtNanos()))
                .map(c -> views.container(containerReadings.read(c)))
                .toList();
    }

    public PodSandboxStats pod(String idOrPrefix) {
        return views.pod(read(sandboxes.resolve(idOrPrefix)));
    }

    public List<PodSandboxStats> pods(PodSandboxStatsFilter f) {
        return sandboxes.list().stream()
                .filter(s -> s.id().startsWith(f.getId()))
                .filter(s -> matches(s.metadata().config().getLabelsMap(), f.getLabelSelectorMap()))
                .sorted(Comparator.comparingLong(s -> s.metadata().createdAtNanos()))
                .map(s -> views.pod(read(s)))
                .toList();
    }

    public List<MetricDescriptor> metricDescriptors() {
        return CadvisorMetrics.descriptors();
    }

    /** Metrics of every ready pod and its running containers. */
    public List<PodSandboxMetrics> podMetrics() {
        // One statvfs for the call: every writable layer is on the snapshot root's filesystem.
        Optional<Statvfs.Space> filesystem = Statvfs.of(snapshotRoot);
        return sandboxes.list().stream()
                .filter(s -> s.status().ready())
                .sorted(Comparator.comparingLong(s -> s.metadata().createdAtNanos()))
                .map(s -> metrics.of(read(s, true), filesystem))
                .toList();
    }

    private SandboxReading read(SandboxStore.Sandbox sandbox) {
        return read(sandbox, false);
    }

    private SandboxReading read(SandboxStore.Sandbox sandbox, boolean withProcesses) {
        List<ContainerReading> members = containers.inSandbox(sandbox.id()).stream()
                .sorted(Comparator.comparingLong(c -> c.metadata().createdAtNanos()))
                .map(c -> containerReadings.read(c, withProcesses))
                .collect(Collectors.toList());
        return podReadings.read(sandbox, members);
    }

    private static boolean matches(Map<String, String> labels, Map<String, String> selector) {
        return labels.entrySet().containsAll(selector.entrySet());
    }

    @Override
    public void close() {
        housekeeping.close();
    }
}

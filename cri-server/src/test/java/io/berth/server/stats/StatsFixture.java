package io.berth.server.stats;


import io.berth.linux.net.InterfaceCounters;
import io.berth.server.config.CgroupDriver;
import io.berth.server.container.ContainerStore;
import io.berth.server.container.TestRecords;
import io.berth.server.sandbox.SandboxStore;
import io.berth.snapshotter.Snapshotter;
import io.berth.snapshotter.Snapshotters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two pods and three containers as records, with fake cgroups and pod interfaces and a real native snapshotter
 * for their writable layers: pod "web" (cgroup_parent /kubepods/pod-web, interfaces eth0 and net1) runs "front";
 * pod "batch" (no cgroup_parent, init pid 103) runs "worker" and holds "idle", created but never started.
 */
abstract class StatsFixture {
    static final Instant NOW = Instant.ofEpochSecond(1_700_000_000L, 123_456_789);
    static final long NOW_NANOS = 1_700_000_000_123_456_789L;

    @TempDir
    Path dir;

    final FakeCgroups cgroups = new FakeCgroups();
    final AtomicLong monotonic = new AtomicLong(1_000_000_000L);
    final Map<String, List<InterfaceCounters>> interfaces = new java.util.HashMap<>();
    SandboxStore sandboxes;
    ContainerStore containers;
    Snapshotter snapshotter;
    StatsService stats;
    String web;
    String batch;
    String front;
    String worker;
    String idle;

    @BeforeEach
    void podsAndContainers() throws Exception {
        sandboxes = new SandboxStore(dir.resolve("sandboxes"));
        containers = new ContainerStore(dir.resolve("containers"));
        snapshotter = Snapshotters.open(Snapshotters.Driver.NATIVE, dir.resolve("snapshots"));
        web = TestRecords.sandbox(sandboxes, TestRecords.id("a1"), "web", Map.of("app", "web"), "/kubepods/pod-web",
                dir).id();
        batch = TestRecords.sandbox(sandboxes, TestRecords.id("a2"), "batch", Map.of("app", "batch"), "", dir).id();
        sandboxes.update(batch, s -> s.withInfra(103));
        front = running(TestRecords.id("c1"), web, "front", Map.of("tier", "front"), 101);
        worker = running(TestRecords.id("c2"), batch, "worker", Map.of("tier", "back"), 102);
        idle = TestRecords.container(containers, TestRecords.id("c3"), batch, "idle", Map.of("tier", "back")).id();
        layer(idle, 10);

        cgroups.process(101, "/kubepods/pod-web/" + front).cgroup("/kubepods/pod-web/" + front,
                FakeCgroups.reading(2_500_000_000L, 1));
        cgroups.process(102, "/" + worker).cgroup("/" + worker, FakeCgroups.reading(4_000_000_000L, 2));
        cgroups.process(103, "/infra").cgroup("/infra", FakeCgroups.reading(1_000_000L, 1));
        cgroups.cgroup("/kubepods/pod-web", FakeCgroups.reading(3_000_000_000L, 5));
        interfaces.put(web, List.of(new InterfaceCounters("eth0", 1000, 10, 1, 2, 500, 5, 3, 4),
                new InterfaceCounters("net1", 70, 1, 0, 0, 80, 1, 0, 0)));
        stats = new StatsService(containers, sandboxes, snapshotter, dir.resolve("snapshots"), cgroups,
                (s, pids) -> interfaces.getOrDefault(s.id(), List.of()), CgroupDriver.CGROUPFS,
                Clock.fixed(NOW, ZoneOffset.UTC), new CpuUsageSampler(monotonic::get, Duration.ofSeconds(1)));
    }

    @AfterEach
    void close() {
        stats.close();
        snapshotter.close();
    }

    String running(String id, String pod, String name, Map<String, String> labels, int pid) throws Exception {
        TestRecords.container(containers, id, pod, name, labels);
        containers.update(id, s -> s.started(pid, NOW_NANOS - 5_000_000_000L));
        layer(id, 1000);
        return id;
    }

    /** The container's writable snapshot with one file of {@code bytes} in it. */
    Path layer(String id, int bytes) throws Exception {
        Path root = Path.of(snapshotter.prepare("container-" + id, null).get(0).source());
        Files.write(root.resolve("data"), new byte[bytes]);
        return root;
    }
}

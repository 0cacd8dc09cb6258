package io.berth.server.stats;

import io.berth.linux.cgroup.CgroupStats;
import io.berth.linux.cgroup.DeviceIo;
import io.berth.linux.cgroup.ProcessCgroups;
import io.berth.linux.cgroup.ProcessCounts;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A cgroup hierarchy in memory: which cgroup each pid is in, and each cgroup's numbers. */
final class FakeCgroups implements CgroupSource {
    final Map<Integer, String> pidToPath = new ConcurrentHashMap<>();
    final Map<String, CgroupStats> byPath = new ConcurrentHashMap<>();
    final Map<String, ProcessCounts> processesByPath = new ConcurrentHashMap<>();
    final AtomicInteger procReads = new AtomicInteger();
    final AtomicInteger processWalks = new AtomicInteger();

    FakeCgroups process(int pid, String path) {
        pidToPath.put(pid, path);
        return this;
    }

    FakeCgroups cgroup(String path, CgroupStats stats) {
        byPath.put(path, stats);
        return this;
    }

    @Override
    public Optional<ProcessCgroups> ofProcess(int pid) {
        procReads.incrementAndGet();
        String path = pidToPath.get(pid);
        return path == null ? Optional.empty() : Optional.of(atPath(path));
    }

    @Override
    public CgroupStats read(ProcessCgroups cgroups) {
        return byPath.getOrDefault(cgroups.unifiedPath().orElseThrow(), CgroupStats.none());
    }

    @Override
    public ProcessCounts processes(ProcessCgroups cgroups) {
        processWalks.incrementAndGet();
        return processesByPath.getOrDefault(cgroups.unifiedPath().orElseThrow(), ProcessCounts.none());
    }

    FakeCgroups processes(String path, ProcessCounts counts) {
        processesByPath.put(path, counts);
        return this;
    }

    @Override
    public ProcessCgroups atPath(String path) {
        return new ProcessCgroups(Map.of(), Optional.of(path));
    }

    /** A reading with the values a small container has; {@code scale} makes readings tell apart. */
    static CgroupStats reading(long cpuNanos, long scale) {
        return new CgroupStats(
                OptionalLong.of(cpuNanos), OptionalLong.of(cpuNanos * 3 / 4), OptionalLong.of(cpuNanos / 4),
                OptionalLong.of(10_000 * scale), OptionalLong.of(8_000 * scale), OptionalLong.of(6_000 * scale),
                OptionalLong.of(3_000 * scale), OptionalLong.of(50 * scale), OptionalLong.of(scale),
                OptionalLong.of(100_000 * scale), OptionalLong.of(100 * scale), OptionalLong.of(1_000 * scale),
                OptionalLong.of(0), OptionalLong.of(2 * scale), OptionalLong.of(4096 * scale), OptionalLong.of(512),
                OptionalLong.of(40 * scale), OptionalLong.of(3 * scale), OptionalLong.of(1_500_000_000L * scale),
                OptionalLong.of(scale), OptionalLong.of(12_000 * scale), OptionalLong.of(700 * scale),
                OptionalLong.of(300 * scale), OptionalLong.of(30 * scale), OptionalLong.of(scale),
                OptionalLong.of(0),
                List.of(new DeviceIo(8, 0, "Read", 4096 * scale), new DeviceIo(8, 0, "Write", 512),
                        new DeviceIo(8, 0, "Total", 4096 * scale + 512)),
                List.of(new DeviceIo(8, 0, "Read", 2 * scale), new DeviceIo(8, 0, "Write", 1),
                        new DeviceIo(8, 0, "Total", 2 * scale + 1)));
    }
}

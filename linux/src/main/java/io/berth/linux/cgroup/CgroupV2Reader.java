package io.berth.linux.cgroup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** Reads one cgroup2 directory; every file there is hierarchical (counts the whole subtree). */
final class CgroupV2Reader {
    private static final long NANOS_PER_MICRO = 1000;

    private CgroupV2Reader() {}

    static CgroupStats read(Path dir) throws IOException {
        CgroupStats.Builder b = CgroupStats.builder();

        Optional<Map<String, Long>> cpu = CgroupFiles.keyed(dir.resolve("cpu.stat"));
        b.cpuUsageNanos = CgroupStats.times(CgroupFiles.key(cpu, "usage_usec"), NANOS_PER_MICRO);
        b.cpuUserNanos = CgroupStats.times(CgroupFiles.key(cpu, "user_usec"), NANOS_PER_MICRO);
        b.cpuSystemNanos = CgroupStats.times(CgroupFiles.key(cpu, "system_usec"), NANOS_PER_MICRO);
        // The nr_* and throttled_* keys appear only with the cpu controller enabled for this cgroup.
        b.cfsPeriods = CgroupFiles.key(cpu, "nr_periods");
        b.cfsThrottledPeriods = CgroupFiles.key(cpu, "nr_throttled");
        b.cfsThrottledNanos = CgroupStats.times(CgroupFiles.key(cpu, "throttled_usec"), NANOS_PER_MICRO);

        b.memoryUsageBytes = CgroupFiles.number(dir.resolve("memory.current"));
        Optional<Map<String, Long>> mem = CgroupFiles.keyed(dir.resolve("memory.stat"));
        b.workingSetBytes = CgroupStats.workingSet(b.memoryUsageBytes, CgroupFiles.key(mem, "inactive_file"));
        b.rssBytes = CgroupFiles.key(mem, "anon");
        b.cacheBytes = CgroupFiles.key(mem, "file");
        b.pageFaults = CgroupFiles.key(mem, "pgfault");
        b.majorPageFaults = CgroupFiles.key(mem, "pgmajfault");
        // Every v2 file counts the subtree: cAdvisor's container and hierarchy scopes are the same numbers here.
        b.ownPageFaults = b.pageFaults;
        b.ownMajorPageFaults = b.majorPageFaults;
        b.mappedFileBytes = CgroupFiles.key(mem, "file_mapped");
        // "kernel" sums all kernel memory since 5.18; older kernels have only its parts, so it is left absent.
        b.kernelUsageBytes = CgroupFiles.key(mem, "kernel");
        // memory.peak appeared in 5.19.
        b.memoryMaxUsageBytes = CgroupFiles.number(dir.resolve("memory.peak"));
        b.memoryLimitBytes = CgroupFiles.limit(dir.resolve("memory.max"));
        b.swapUsageBytes = CgroupFiles.number(dir.resolve("memory.swap.current"));
        b.swapLimitBytes = CgroupFiles.limit(dir.resolve("memory.swap.max"));
        Optional<Map<String, Long>> events = CgroupFiles.keyed(dir.resolve("memory.events"));
        b.oomKills = CgroupFiles.key(events, "oom_kill");
        // "max": times usage hit memory.max, what libcontainer reports as v1's failcnt.
        b.memoryFailcnt = CgroupFiles.key(events, "max");

        b.pids = CgroupFiles.number(dir.resolve("pids.current"));
        b.threadsMax = CgroupV1Reader.threadsMax(dir.resolve("pids.max"));

        Optional<IoBytes> io = IoBytes.fromIoStat(dir.resolve("io.stat"));
        if (io.isPresent()) {
            b.ioReadBytes = OptionalLong.of(io.get().read());
            b.ioWriteBytes = OptionalLong.of(io.get().written());
        }
        b.ioServiceBytes = DeviceIoFiles.fromIoStat(dir.resolve("io.stat"), DeviceIoFiles.V2_BYTES).orElse(List.of());
        b.ioServiced = DeviceIoFiles.fromIoStat(dir.resolve("io.stat"), DeviceIoFiles.V2_OPS).orElse(List.of());
        return b.build();
    }
}

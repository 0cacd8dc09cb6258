package io.berth.linux.cgroup;

import java.io.IOException;
import java.nio.file.Path;
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

        b.memoryUsageBytes = CgroupFiles.number(dir.resolve("memory.current"));
        Optional<Map<String, Long>> mem = CgroupFiles.keyed(dir.resolve("memory.stat"));
        b.workingSetBytes = CgroupStats.workingSet(b.memoryUsageBytes, CgroupFiles.key(mem, "inactive_file"));
        b.rssBytes = CgroupFiles.key(mem, "anon");
        b.cacheBytes = CgroupFiles.key(mem, "file");
        b.pageFaults = CgroupFiles.key(mem, "pgfault");
        b.majorPageFaults = CgroupFiles.key(mem, "pgmajfault");
        b.memoryLimitBytes = CgroupFiles.limit(dir.resolve("memory.max"));
        b.swapUsageBytes = CgroupFiles.number(dir.resolve("memory.swap.current"));
        b.swapLimitBytes = CgroupFiles.limit(dir.resolve("memory.swap.max"));
        b.oomKills = CgroupFiles.key(CgroupFiles.keyed(dir.resolve("memory.events")), "oom_kill");

        b.pids = CgroupFiles.number(dir.resolve("pids.current"));

        Optional<IoBytes> io = IoBytes.fromIoStat(dir.resolve("io.stat"));
        if (io.isPresent()) {
            b.ioReadBytes = OptionalLong.of(io.get().read());
            b.ioWriteBytes = OptionalLong.of(io.get().written());
        }
        return b.build();
    }
}

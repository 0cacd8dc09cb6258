package io.berth.linux.cgroup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads one cgroup across the v1 hierarchies (cpu, cpuacct, memory, pids, blkio). A controller that is not
 * mounted, or a process not placed in it, leaves its values absent.
 */
final class CgroupV1Reader {
    private CgroupV1Reader() {}

    static CgroupStats read(CgroupMounts mounts, ProcessCgroups paths) throws IOException {
        CgroupStats.Builder b = CgroupStats.builder();

        Optional<Path> cpuacct = dir(mounts, paths, "cpuacct");
        if (cpuacct.isPresent()) {
            b.cpuUsageNanos = CgroupFiles.number(cpuacct.get().resolve("cpuacct.usage"));
            b.cpuUserNanos = CgroupFiles.number(cpuacct.get().resolve("cpuacct.usage_user"));
            b.cpuSystemNanos = CgroupFiles.number(cpuacct.get().resolve("cpuacct.usage_sys"));
        }

        Optional<Path> cpu = dir(mounts, paths, "cpu");
        if (cpu.isPresent()) {
            // CFS bandwidth counters; throttled_time is already in nanoseconds on v1.
            Optional<Map<String, Long>> stat = CgroupFiles.keyed(cpu.get().resolve("cpu.stat"));
            b.cfsPeriods = CgroupFiles.key(stat, "nr_periods");
            b.cfsThrottledPeriods = CgroupFiles.key(stat, "nr_throttled");
            b.cfsThrottledNanos = CgroupFiles.key(stat, "throttled_time");
        }

        Optional<Path> memory = dir(mounts, paths, "memory");
        if (memory.isPresent()) {
            readMemory(memory.get(), b);
        }

        Optional<Path> pids = dir(mounts, paths, "pids");
        if (pids.isPresent()) {
            b.pids = CgroupFiles.number(pids.get().resolve("pids.current"));
            b.threadsMax = threadsMax(pids.get().resolve("pids.max"));
        }

        Optional<Path> blkio = dir(mounts, paths, "blkio");
        if (blkio.isPresent()) {
            // The _recursive file counts the subtree, as every v2 file does; older kernels have only the flat one.
            Optional<IoBytes> io = IoBytes.fromBlkio(blkio.get().resolve("blkio.throttle.io_service_bytes_recursive"));
            if (io.isEmpty()) {
                io = IoBytes.fromBlkio(blkio.get().resolve("blkio.throttle.io_service_bytes"));
            }
            if (io.isPresent()) {
                b.ioReadBytes = OptionalLong.of(io.get().read());
                b.ioWriteBytes = OptionalLong.of(io.get().written());
            }
            b.ioServiceBytes = perDevice(blkio.get(), "blkio.throttle.io_service_bytes");
            b.ioServiced = perDevice(blkio.get(), "blkio.throttle.io_serviced");
        }
        return b.build();
    }

    private static void readMemory(Path dir, CgroupStats.Builder b) throws IOException {
        b.memoryUsageBytes = CgroupFiles.number(dir.resolve("memory.usage_in_bytes"));
        // The total_* keys count the subtree (with use_hierarchy, always on since 5.x); the bare keys do not.
        Optional<Map<String, Long>> stat = CgroupFiles.keyed(dir.resolve("memory.stat"));
        b.workingSetBytes = CgroupStats.workingSet(b.memoryUsageBytes, CgroupFiles.key(stat, "total_inactive_file"));
        b.rssBytes = CgroupFiles.key(stat, "total_rss");
        b.cacheBytes = CgroupFiles.key(stat, "total_cache");
        b.pageFaults = CgroupFiles.key(stat, "total_pgfault");
        b.majorPageFaults = CgroupFiles.key(stat, "total_pgmajfault");
        // cAdvisor's "container" scope of container_memory_failures_total: the bare keys, this cgroup alone.
        b.ownPageFaults = CgroupFiles.key(stat, "pgfault");
        b.ownMajorPageFaults = CgroupFiles.key(stat, "pgmajfault");
        b.mappedFileBytes = CgroupFiles.key(stat, "total_mapped_file");
        b.memoryFailcnt = CgroupFiles.number(dir.resolve("memory.failcnt"));
        b.memoryMaxUsageBytes = CgroupFiles.number(dir.resolve("memory.max_usage_in_bytes"));
        // Still present (deprecated, accounting only) on 6.x kernels that dropped kmem limits.
        b.kernelUsageBytes = CgroupFiles.number(dir.resolve("memory.kmem.usage_in_bytes"));
        b.memoryLimitBytes = CgroupFiles.limit(dir.resolve("memory.limit_in_bytes"));
        // memsw counts memory plus swap, and exists only with swap accounting on.
        OptionalLong memsw = CgroupFiles.number(dir.resolve("memory.memsw.usage_in_bytes"));
        if (memsw.isPresent() && b.memoryUsageBytes.isPresent()) {
            b.swapUsageBytes = OptionalLong.of(Math.max(0, memsw.getAsLong() - b.memoryUsageBytes.getAsLong()));
        }
        // v1 limits memory plus swap together; the swap share is what memsw allows beyond the memory limit.
        OptionalLong memswLimit = memsw.isPresent() && b.memoryLimitBytes.isPresent()
                ? CgroupFiles.limit(dir.resolve("memory.memsw.limit_in_bytes")) : OptionalLong.empty();
        if (memswLimit.isPresent() && b.memoryLimitBytes.isPresent()) {
            b.swapLimitBytes = OptionalLong.of(Math.max(0, memswLimit.getAsLong() - b.memoryLimitBytes.getAsLong()));
        }
        // oom_kill appeared in memory.oom_control in 4.13; older kernels only have oom_kill_disable/under_oom.
        b.oomKills = CgroupFiles.key(CgroupFiles.keyed(dir.resolve("memory.oom_control")), "oom_kill");
    }

    /** {@code pids.max}: {@code max} is no limit, encoded as 0 as libcontainer and cAdvisor do. */
    static OptionalLong threadsMax(Path file) throws IOException {
        Optional<String> text = CgroupFiles.read(file);
        if (text.isPresent() && text.get().trim().equals("max")) {
            return OptionalLong.of(0);
        }
        return CgroupFiles.number(file);
    }

    /** The subtree's counters ({@code _recursive}, as v2 counts) where the kernel has them, else the flat file. */
    private static List<DeviceIo> perDevice(Path dir, String file) throws IOException {
        Optional<List<DeviceIo>> io = DeviceIoFiles.fromBlkio(dir.resolve(file + "_recursive"));
        if (io.isEmpty()) {
            io = DeviceIoFiles.fromBlkio(dir.resolve(file));
        }
        return io.orElse(List.of());
    }

    private static Optional<Path> dir(CgroupMounts mounts, ProcessCgroups paths, String controller) {
        Optional<CgroupMount> mount = mounts.controller(controller);
        Optional<String> path = paths.v1Path(controller);
        if (mount.isEmpty() || path.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(mount.get().dirOf(path.get()));
    }
}

package io.berth.linux.cgroup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads one cgroup across the v1 hierarchies (cpuacct, memory, pids, blkio). A controller that is not
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

        Optional<Path> memory = dir(mounts, paths, "memory");
        if (memory.isPresent()) {
            readMemory(memory.get(), b);
        }

        Optional<Path> pids = dir(mounts, paths, "pids");
        if (pids.isPresent()) {
            b.pids = CgroupFiles.number(pids.get().resolve("pids.current"));
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

    private static Optional<Path> dir(CgroupMounts mounts, ProcessCgroups paths, String controller) {
        Optional<CgroupMount> mount = mounts.controller(controller);
        Optional<String> path = paths.v1Path(controller);
        if (mount.isEmpty() || path.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(mount.get().dirOf(path.get()));
    }
}

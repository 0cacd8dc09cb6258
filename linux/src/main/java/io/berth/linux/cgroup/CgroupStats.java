package io.berth.linux.cgroup;

import java.util.List;
import java.util.OptionalLong;

/**
 * One reading of a cgroup, the same shape for v2 and v1. A value the host cannot give (controller not
 * mounted, file missing on this kernel, no limit set) is absent; zero always means a real zero.
 *
 * @param cpuUsageNanos         total CPU time (v2 {@code cpu.stat usage_usec}, v1 {@code cpuacct.usage})
 * @param cpuUserNanos          user CPU time
 * @param cpuSystemNanos        system CPU time
 * @param memoryUsageBytes      v2 {@code memory.current}, v1 {@code memory.usage_in_bytes}
 * @param workingSetBytes       usage minus inactive file pages, floored at 0: what kubelet evicts on
 * @param rssBytes              anonymous memory (v2 {@code anon}, v1 {@code total_rss})
 * @param cacheBytes            page cache (v2 {@code file}, v1 {@code total_cache})
 * @param pageFaults            {@code pgfault}
 * @param majorPageFaults       {@code pgmajfault}
 * @param memoryLimitBytes      the memory limit; absent when there is none
 * @param swapUsageBytes        swap in use (v2 {@code memory.swap.current}, v1 memsw usage minus usage)
 * @param swapLimitBytes        swap the cgroup may use (v2 {@code memory.swap.max}, v1 memsw limit minus memory
 *                              limit); absent when there is no limit
 * @param oomKills              processes killed by the OOM killer in this cgroup
 * @param pids                  number of tasks ({@code pids.current})
 * @param ioReadBytes           bytes read from block devices
 * @param ioWriteBytes          bytes written to block devices
 * @param cfsPeriods            CFS enforcement periods elapsed ({@code cpu.stat nr_periods}, v1 cpu controller)
 * @param cfsThrottledPeriods   periods in which the cgroup was throttled ({@code nr_throttled})
 * @param cfsThrottledNanos     time spent throttled (v1 {@code throttled_time}, v2 {@code throttled_usec})
 * @param memoryFailcnt         times usage hit the limit (v1 {@code memory.failcnt}, v2 {@code memory.events max})
 * @param memoryMaxUsageBytes   peak usage (v1 {@code memory.max_usage_in_bytes}, v2 {@code memory.peak}, 5.19+)
 * @param kernelUsageBytes      kernel memory (v1 {@code memory.kmem.usage_in_bytes}, v2 {@code memory.stat kernel})
 * @param mappedFileBytes       mapped file pages (v1 {@code total_mapped_file}, v2 {@code file_mapped})
 * @param ownPageFaults         {@code pgfault} of this cgroup alone: v1's bare key; on v2, where every file counts
 *                              the subtree, the same as {@code pageFaults} (cAdvisor's container scope)
 * @param ownMajorPageFaults    {@code pgmajfault} likewise
 * @param threadsMax            {@code pids.max}, with {@code max} (no limit) as 0: libcontainer's and cAdvisor's
 *                              encoding, whose help text says "infinity if value is zero"
 * @param ioServiceBytes        bytes per device and operation (v1 {@code blkio.throttle.io_service_bytes}, v2
 *                              {@code io.stat} rbytes/wbytes/dbytes); empty when unknown
 * @param ioServiced            operations per device and operation, likewise ({@code io_serviced}, rios/wios/dios)
 */
public record CgroupStats(
        OptionalLong cpuUsageNanos,
        OptionalLong cpuUserNanos,
        OptionalLong cpuSystemNanos,
        OptionalLong memoryUsageBytes,
        OptionalLong workingSetBytes,
        OptionalLong rssBytes,
        OptionalLong cacheBytes,
        OptionalLong pageFaults,
        OptionalLong majorPageFaults,
        OptionalLong memoryLimitBytes,
        OptionalLong swapUsageBytes,
        OptionalLong swapLimitBytes,
        OptionalLong oomKills,
        OptionalLong pids,
        OptionalLong ioReadBytes,
        OptionalLong ioWriteBytes,
        OptionalLong cfsPeriods,
        OptionalLong cfsThrottledPeriods,
        OptionalLong cfsThrottledNanos,
        OptionalLong memoryFailcnt,
        OptionalLong memoryMaxUsageBytes,
        OptionalLong kernelUsageBytes,
        OptionalLong mappedFileBytes,
        OptionalLong ownPageFaults,
        OptionalLong ownMajorPageFaults,
        OptionalLong threadsMax,
        List<DeviceIo> ioServiceBytes,
        List<DeviceIo> ioServiced) {

    public CgroupStats {
        ioServiceBytes = List.copyOf(ioServiceBytes);
        ioServiced = List.copyOf(ioServiced);
    }

    /**
     * The values the readers had before throttling, peaks and per-device I/O were added; those are absent.
     * Kept for callers (and tests) that build a reading by hand and care only about the classic values.
     */
    public CgroupStats(OptionalLong cpuUsageNanos, OptionalLong cpuUserNanos, OptionalLong cpuSystemNanos,
            OptionalLong memoryUsageBytes, OptionalLong workingSetBytes, OptionalLong rssBytes, OptionalLong cacheBytes,
            OptionalLong pageFaults, OptionalLong majorPageFaults, OptionalLong memoryLimitBytes,
            OptionalLong swapUsageBytes, OptionalLong swapLimitBytes, OptionalLong oomKills, OptionalLong pids,
            OptionalLong ioReadBytes, OptionalLong ioWriteBytes) {
        this(cpuUsageNanos, cpuUserNanos, cpuSystemNanos, memoryUsageBytes, workingSetBytes, rssBytes, cacheBytes,
                pageFaults, majorPageFaults, memoryLimitBytes, swapUsageBytes, swapLimitBytes, oomKills, pids,
                ioReadBytes, ioWriteBytes, OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(),
                OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(),
                OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), List.of(), List.of());
    }

    /** kubelet's {@code available_bytes}: limit minus working set, floored at 0; absent without a limit. */
    public OptionalLong availableBytes() {
        if (memoryLimitBytes.isEmpty() || workingSetBytes.isEmpty()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Math.max(0, memoryLimitBytes.getAsLong() - workingSetBytes.getAsLong()));
    }

    /** kubelet's {@code swap_available_bytes}: swap limit minus swap in use, floored at 0; absent without a limit. */
    public OptionalLong swapAvailableBytes() {
        if (swapLimitBytes.isEmpty() || swapUsageBytes.isEmpty()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Math.max(0, swapLimitBytes.getAsLong() - swapUsageBytes.getAsLong()));
    }

    /** usage − inactive_file, floored at 0 (inactive file pages are reclaimed before anything is killed). */
    static OptionalLong workingSet(OptionalLong usage, OptionalLong inactiveFile) {
        if (usage.isEmpty()) {
            return OptionalLong.empty();
        }
        long inactive = inactiveFile.orElse(0);
        return OptionalLong.of(Math.max(0, usage.getAsLong() - inactive));
    }

    static OptionalLong times(OptionalLong value, long factor) {
        return value.isEmpty() ? OptionalLong.empty() : OptionalLong.of(value.getAsLong() * factor);
    }

    /** A reading with every value absent: no cgroup found, or a process that is gone. */
    public static CgroupStats none() {
        return builder().build();
    }

    static Builder builder() {
        return new Builder();
    }

    /** Filled by the v1 and v2 readers; every value starts absent. */
    static final class Builder {
        OptionalLong cpuUsageNanos = OptionalLong.empty();
        OptionalLong cpuUserNanos = OptionalLong.empty();
        OptionalLong cpuSystemNanos = OptionalLong.empty();
        OptionalLong memoryUsageBytes = OptionalLong.empty();
        OptionalLong workingSetBytes = OptionalLong.empty();
        OptionalLong rssBytes = OptionalLong.empty();
        OptionalLong cacheBytes = OptionalLong.empty();
        OptionalLong pageFaults = OptionalLong.empty();
        OptionalLong majorPageFaults = OptionalLong.empty();
        OptionalLong memoryLimitBytes = OptionalLong.empty();
        OptionalLong swapUsageBytes = OptionalLong.empty();
        OptionalLong swapLimitBytes = OptionalLong.empty();
        OptionalLong oomKills = OptionalLong.empty();
        OptionalLong pids = OptionalLong.empty();
        OptionalLong ioReadBytes = OptionalLong.empty();
        OptionalLong ioWriteBytes = OptionalLong.empty();
        OptionalLong cfsPeriods = OptionalLong.empty();
        OptionalLong cfsThrottledPeriods = OptionalLong.empty();
        OptionalLong cfsThrottledNanos = OptionalLong.empty();
        OptionalLong memoryFailcnt = OptionalLong.empty();
        OptionalLong memoryMaxUsageBytes = OptionalLong.empty();
        OptionalLong kernelUsageBytes = OptionalLong.empty();
        OptionalLong mappedFileBytes = OptionalLong.empty();
        OptionalLong ownPageFaults = OptionalLong.empty();
        OptionalLong ownMajorPageFaults = OptionalLong.empty();
        OptionalLong threadsMax = OptionalLong.empty();
        List<DeviceIo> ioServiceBytes = List.of();
        List<DeviceIo> ioServiced = List.of();

        CgroupStats build() {
            return new CgroupStats(cpuUsageNanos, cpuUserNanos, cpuSystemNanos, memoryUsageBytes, workingSetBytes,
                    rssBytes, cacheBytes, pageFaults, majorPageFaults, memoryLimitBytes, swapUsageBytes, swapLimitBytes,
                    oomKills, pids, ioReadBytes, ioWriteBytes, cfsPeriods, cfsThrottledPeriods, cfsThrottledNanos,
                    memoryFailcnt, memoryMaxUsageBytes, kernelUsageBytes, mappedFileBytes, ownPageFaults,
                    ownMajorPageFaults, threadsMax, ioServiceBytes, ioServiced);
        }
    }
}

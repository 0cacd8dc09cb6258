package io.berth.server.stats;

import io.berth.linux.cgroup.CgroupStats;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Adds up the readings of several cgroups, for a pod without a cgroup of its own: a value is present when any
 * part has it. Limits are not added (the parts' limits say nothing about a limit of the whole), so the sum has
 * no limit and no {@code available_bytes}; neither are peaks, CFS periods or pids.max.
 */
final class CgroupSums {
    private CgroupSums() {}

    static CgroupStats sum(List<CgroupStats> parts) {
        return new CgroupStats(
                add(parts, CgroupStats::cpuUsageNanos),
                add(parts, CgroupStats::cpuUserNanos),
                add(parts, CgroupStats::cpuSystemNanos),
                add(parts, CgroupStats::memoryUsageBytes),
                add(parts, CgroupStats::workingSetBytes),
                add(parts, CgroupStats::rssBytes),
                add(parts, CgroupStats::cacheBytes),
                add(parts, CgroupStats::pageFaults),
                add(parts, CgroupStats::majorPageFaults),
                OptionalLong.empty(),
                add(parts, CgroupStats::swapUsageBytes),
                OptionalLong.empty(),
                add(parts, CgroupStats::oomKills),
                add(parts, CgroupStats::pids),
                add(parts, CgroupStats::ioReadBytes),
                add(parts, CgroupStats::ioWriteBytes),
                // Enforcement periods, peaks and limits of the parts say nothing about the whole: left out.
                OptionalLong.empty(),
                OptionalLong.empty(),
                OptionalLong.empty(),
                add(parts, CgroupStats::memoryFailcnt),
                OptionalLong.empty(),
                add(parts, CgroupStats::kernelUsageBytes),
                add(parts, CgroupStats::mappedFileBytes),
                add(parts, CgroupStats::ownPageFaults),
                add(parts, CgroupStats::ownMajorPageFaults),
                OptionalLong.empty(),
                // No per-device breakdown for a sum; the byte totals above are summed.
                List.of(),
                List.of());
    }

    private static OptionalLong add(List<CgroupStats> parts, Function<CgroupStats, OptionalLong> value) {
        boolean any = false;
        long total = 0;
        for (CgroupStats part : parts) {
            OptionalLong v = value.apply(part);
            if (v.isPresent()) {
                any = true;
                total += v.getAsLong();
            }
        }
        return any ? OptionalLong.of(total) : OptionalLong.empty();
    }
}

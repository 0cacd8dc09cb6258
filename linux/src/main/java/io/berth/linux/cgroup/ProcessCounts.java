package io.berth.linux.cgroup;

import java.util.OptionalLong;

/**
 * What a cgroup's processes hold, for cAdvisor's {@code container_processes}, {@code container_file_descriptors}
 * and {@code container_sockets}. A count that could not be taken in full (cgroup gone, or more processes or
 * descriptors than berth is willing to walk) is absent rather than a partial number.
 *
 * @param processes       processes (thread-group leaders) in {@code cgroup.procs}
 * @param fileDescriptors open descriptors summed over those processes
 * @param sockets         of those, the ones that are sockets
 */
public record ProcessCounts(OptionalLong processes, OptionalLong fileDescriptors, OptionalLong sockets) {

    public static ProcessCounts none() {
        return new ProcessCounts(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty());
    }
}

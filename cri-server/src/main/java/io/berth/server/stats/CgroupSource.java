package io.berth.server.stats;

import io.berth.linux.cgroup.CgroupStats;
import io.berth.linux.cgroup.ProcessCgroups;
import io.berth.linux.cgroup.ProcessCounts;
import java.util.Optional;

/** Where cgroup numbers come from: the host's cgroupfs in berthd ({@link HostCgroups}), fixed readings in tests. */
public interface CgroupSource {
    /** The cgroups a live process is in; empty when the process is gone. */
    Optional<ProcessCgroups> ofProcess(int pid);

    /** The numbers of the cgroup(s) in {@code cgroups}; all absent when they are gone. */
    CgroupStats read(ProcessCgroups cgroups);

    /** The processes in the cgroup(s) of {@code cgroups} and their open descriptors; none when they are gone. */
    ProcessCounts processes(ProcessCgroups cgroups);

    /** The cgroup at {@code path}, taken to be the same path in every hierarchy (as both drivers place them). */
    ProcessCgroups atPath(String path);
}

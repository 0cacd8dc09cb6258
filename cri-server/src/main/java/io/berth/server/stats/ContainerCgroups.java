package io.berth.server.stats;

import io.berth.linux.cgroup.ProcessCgroups;
import io.berth.server.config.CgroupDriver;
import io.berth.server.container.ContainerRunStatus;
import io.berth.server.container.ContainerStore;
import io.berth.server.container.spec.CgroupsPath;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Finds the cgroup of a running container: from {@code /proc/<pid>/cgroup} of its init process, which is where
 * the runtime really put it whatever the driver, or, if that process cannot be read, from the cgroupsPath its
 * spec named. A container never moves while its init runs, so the answer is kept per (container, pid) and
 * kubelet's frequent stats calls cost no {@code /proc} read.
 */
final class ContainerCgroups {
    private record Located(int pid, ProcessCgroups cgroups) {}

    private final CgroupSource source;
    private final CgroupDriver driver;
    private final Map<String, Located> located = new ConcurrentHashMap<>();

    ContainerCgroups(CgroupSource source, CgroupDriver driver) {
        this.source = source;
        this.driver = driver;
    }

    /** The container's cgroups while it runs; empty for a container that is not running (it has none). */
    Optional<ProcessCgroups> of(ContainerStore.Container c, Supplier<String> podCgroupParent) {
        if (c.status().phase() != ContainerRunStatus.Phase.RUNNING) {
            located.remove(c.id());
            return Optional.empty();
        }
        int pid = c.status().pid();
        Located known = located.get(c.id());
        if (known != null && known.pid() == pid) {
            return Optional.of(known.cgroups());
        }
        Optional<ProcessCgroups> fromProc = source.ofProcess(pid);
        if (fromProc.isPresent()) {
            located.put(c.id(), new Located(pid, fromProc.get()));
            return fromProc;
        }
        // Not cached: the process may be exiting right now, and a later call should look at /proc again.
        return Optional.of(source.atPath(CgroupsPath.containerDir(driver, podCgroupParent.get(), c.id())));
    }

    /** Forgets containers that are gone; for the periodic sweep. */
    void retainOnly(Set<String> liveIds) {
        located.keySet().retainAll(liveIds);
    }
}

package io.berth.server.stats;

import io.berth.linux.cgroup.CgroupStats;
import io.berth.linux.cgroup.Cgroups;
import io.berth.linux.cgroup.ProcessCgroups;
import io.berth.linux.cgroup.ProcessCounts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The host's cgroupfs, v2 or v1 as detected once at start. A host with no cgroup filesystem mounted (a bare
 * chroot, say) gives absent values rather than failing every stats call; a cgroup that disappears while it
 * is read (its container just ended) also reads as absent.
 */
public final class HostCgroups implements CgroupSource {
    private static final Logger LOG = Logger.getLogger(HostCgroups.class.getName());

    private final Cgroups cgroups;
    private final Path procRoot;

    private HostCgroups(Cgroups cgroups, Path procRoot) {
        this.cgroups = cgroups;
        this.procRoot = procRoot;
    }

    public static HostCgroups detect() {
        return detect(Path.of("/proc"));
    }

    /** As {@link #detect()}, with {@code procRoot} for {@code /proc} (tests point it at a fake tree). */
    public static HostCgroups detect(Path procRoot) {
        try {
            Cgroups found = Cgroups.detect(procRoot);
            LOG.info("stats: cgroup layout " + found.layout());
            return new HostCgroups(found, procRoot);
        } catch (IOException | IllegalStateException e) {
            LOG.warning("stats: no cgroup filesystem found (" + e.getMessage() + "); cpu and memory stats are absent");
            return new HostCgroups(null, procRoot);
        }
    }

    @Override
    public Optional<ProcessCgroups> ofProcess(int pid) {
        if (pid <= 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(ProcessCgroups.ofProcess(procRoot, pid));
        } catch (IOException gone) {
            return Optional.empty();
        }
    }

    @Override
    public CgroupStats read(ProcessCgroups paths) {
        if (cgroups == null) {
            return CgroupStats.none();
        }
        try {
            return cgroups.statsOf(paths);
        } catch (IOException | RuntimeException e) {
            // ENODEV and friends from a cgroup being removed under us; the next call will not see it at all.
            LOG.fine("cgroup read failed: " + e.getMessage());
            return CgroupStats.none();
        }
    }

    @Override
    public ProcessCounts processes(ProcessCgroups paths) {
        if (cgroups == null) {
            return ProcessCounts.none();
        }
        try {
            return cgroups.processesOf(paths);
        } catch (IOException | RuntimeException e) {
            // The cgroup went away mid-walk, or cgroup.procs held something that is not a pid.
            LOG.fine("cgroup process count failed: " + e.getMessage());
            return ProcessCounts.none();
        }
    }

    @Override
    public ProcessCgroups atPath(String path) {
        if (cgroups == null) {
            return new ProcessCgroups(Map.of(), Optional.of(path));
        }
        return ProcessCgroups.samePathEverywhere(path, cgroups.mounts());
    }
}

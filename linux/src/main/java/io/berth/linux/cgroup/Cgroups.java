package io.berth.linux.cgroup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Entry point for cgroup numbers: detects the host's layout once, then reads any cgroup or process. On a
 * unified host the cgroup2 files are read; on hybrid and legacy hosts the v1 controllers are (the cgroup2
 * mount of a hybrid host carries no resource controllers).
 */
public final class Cgroups {
    private static final Path PROC = Path.of("/proc");
    /** Controllers whose v1 hierarchy lists a container's processes; any one the process is placed in will do. */
    private static final List<String> V1_PROCS_CONTROLLERS = List.of("pids", "memory", "cpu", "cpuacct");

    private final CgroupMounts mounts;
    private final Path procRoot;

    private Cgroups(CgroupMounts mounts, Path procRoot) {
        this.mounts = mounts;
        this.procRoot = procRoot;
    }

    /** The host as this process sees it, from {@code /proc/self/mountinfo}. */
    public static Cgroups detect() throws IOException {
        return detect(PROC);
    }

    /** As {@link #detect()}, reading {@code <procRoot>/self/mountinfo} and {@code <procRoot>/<pid>/cgroup}. */
    public static Cgroups detect(Path procRoot) throws IOException {
        return new Cgroups(CgroupMounts.read(procRoot), procRoot);
    }

    public CgroupLayout layout() {
        return mounts.layout();
    }

    public CgroupMounts mounts() {
        return mounts;
    }

    /**
     * Stats of the cgroup at {@code cgroupPath} (as in {@code /proc/<pid>/cgroup}, e.g.
     * {@code /kubepods/burstable/pod<uid>/<id>} or {@code /kubepods.slice/.../cri-berth-<id>.scope}), taken to
     * be the same path in every hierarchy.
     */
    public CgroupStats statsOf(String cgroupPath) throws IOException {
        return statsOf(ProcessCgroups.samePathEverywhere(cgroupPath, mounts));
    }

    /** Stats of the cgroups that {@code pid} is in. */
    public CgroupStats statsOfProcess(int pid) throws IOException {
        return statsOf(ProcessCgroups.ofProcess(procRoot, pid));
    }

    public CgroupStats statsOf(ProcessCgroups paths) throws IOException {
        if (mounts.layout() == CgroupLayout.UNIFIED) {
            Optional<String> path = paths.unifiedPath();
            if (path.isEmpty()) {
                return CgroupStats.builder().build();
            }
            return CgroupV2Reader.read(mounts.unified().orElseThrow().dirOf(path.get()));
        }
        return CgroupV1Reader.read(mounts, paths);
    }

    /**
     * The processes in the cgroup(s) of {@code paths} and their open descriptors (see {@link CgroupProcesses}).
     * Only the cgroup's own processes are counted, not those of child cgroups: runc puts all of a container's
     * processes in its one cgroup.
     */
    public ProcessCounts processesOf(ProcessCgroups paths) throws IOException {
        if (mounts.layout() == CgroupLayout.UNIFIED) {
            Optional<String> path = paths.unifiedPath();
            return path.isEmpty() ? ProcessCounts.none()
                    : CgroupProcesses.count(mounts.unified().orElseThrow().dirOf(path.get()).resolve("cgroup.procs"),
                            procRoot);
        }
        for (String controller : V1_PROCS_CONTROLLERS) {
            Optional<CgroupMount> mount = mounts.controller(controller);
            Optional<String> path = paths.v1Path(controller);
            if (mount.isPresent() && path.isPresent()) {
                return CgroupProcesses.count(mount.get().dirOf(path.get()).resolve("cgroup.procs"), procRoot);
            }
        }
        return ProcessCounts.none();
    }
}

package io.berth.linux.cgroup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Entry point for cgroup numbers: detects the host's layout once, then reads any cgroup or process. On a
 * unified host the cgroup2 files are read; on hybrid and legacy hosts the v1 controllers are (the cgroup2
 * mount of a hybrid host carries no resource controllers).
 */
public final class Cgroups {
    private static final Path PROC = Path.of("/proc");

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
}

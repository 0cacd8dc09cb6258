package io.berth.linux.cgroup;

/** How the host mounts cgroups; decides which files hold a container's numbers. */
public enum CgroupLayout {
    /** Only cgroup2, at {@code /sys/fs/cgroup}: every controller in one tree. */
    UNIFIED,
    /**
     * v1 controllers under {@code /sys/fs/cgroup/<controller>} plus a cgroup2 mount (usually
     * {@code /sys/fs/cgroup/unified}) that systemd uses for process tracking and that holds few or no
     * controllers. Stats come from the v1 controllers.
     */
    HYBRID,
    /** v1 controllers only. */
    LEGACY
}

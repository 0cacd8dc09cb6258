package io.berth.linux.cgroup;

import java.nio.file.Path;

/**
 * One cgroup hierarchy as mounted: where it is, and which cgroup its mount point shows (the mountinfo
 * "root" field: {@code /} on a host, a sub-path when a subtree is bind-mounted or a cgroup namespace is in use).
 */
public record CgroupMount(Path mountPoint, String root) {

    /** The directory of the cgroup at {@code cgroupPath} (as written in {@code /proc/<pid>/cgroup}). */
    public Path dirOf(String cgroupPath) {
        String relative = cgroupPath;
        if (!root.equals("/") && (relative.equals(root) || relative.startsWith(root + "/"))) {
            relative = relative.substring(root.length());
        }
        while (relative.startsWith("/")) {
            relative = relative.substring(1);
        }
        if (relative.isEmpty()) {
            return mountPoint;
        }
        Path dir = mountPoint.resolve(relative).normalize();
        if (!dir.startsWith(mountPoint)) {
            // "../" in a path from a file we did not write must not reach outside the hierarchy.
            throw new IllegalArgumentException("cgroup path " + cgroupPath + " leaves " + mountPoint);
        }
        return dir;
    }
}

package io.berth.server.stats;

import io.berth.server.config.CgroupDriver;
import io.berth.server.container.spec.CgroupsPath;

/**
 * Where the cgroups berth's OCI runtime creates end up, as paths in the hierarchy (the form
 * {@code /proc/<pid>/cgroup} shows). The cgroupfs driver's cgroupsPath already is one; the systemd driver's
 * {@code slice:prefix:name} becomes the slice's nested path plus a {@code prefix-name.scope}, as runc and
 * systemd lay it out.
 */
public final class CgroupPaths {
    /** Where runc's systemd driver puts a scope whose cgroupsPath names no slice. */
    private static final String DEFAULT_SLICE = "system.slice";

    private CgroupPaths() {}

    /** The pod's cgroup, from the {@code linux.cgroup_parent} kubelet sent: a path or a systemd slice name. */
    public static String pod(CgroupDriver driver, String cgroupParent) {
        if (driver == CgroupDriver.SYSTEMD && !cgroupParent.contains("/")) {
            return sliceDir(cgroupParent.isEmpty() ? DEFAULT_SLICE : cgroupParent);
        }
        return normalize(cgroupParent);
    }

    /** The container's cgroup as its spec named it ({@link CgroupsPath#of}), for when its process is gone. */
    public static String container(CgroupDriver driver, String cgroupParent, String containerId) {
        if (driver == CgroupDriver.SYSTEMD) {
            String slice = cgroupParent.substring(cgroupParent.lastIndexOf('/') + 1);
            String dir = sliceDir(slice.isEmpty() ? DEFAULT_SLICE : slice);
            return (dir.equals("/") ? "" : dir) + "/" + CgroupsPath.SYSTEMD_PREFIX + "-" + containerId + ".scope";
        }
        return CgroupsPath.of(driver, cgroupParent, containerId);
    }

    /**
     * systemd nests a slice under every dash-separated prefix of its name:
     * {@code kubepods-burstable-pod1.slice} is
     * {@code /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice}; {@code -.slice} is the root.
     */
    static String sliceDir(String slice) {
        if (slice.equals("-.slice")) {
            return "/";
        }
        String name = slice.endsWith(".slice") ? slice.substring(0, slice.length() - ".slice".length()) : slice;
        StringBuilder path = new StringBuilder();
        int from = 0;
        while (true) {
            int dash = name.indexOf('-', from);
            String prefix = dash < 0 ? name : name.substring(0, dash);
            path.append('/').append(prefix).append(".slice");
            if (dash < 0) {
                return path.toString();
            }
            from = dash + 1;
        }
    }

    private static String normalize(String path) {
        String clean = path.replaceAll("/+", "/");
        if (clean.length() > 1 && clean.endsWith("/")) {
            clean = clean.substring(0, clean.length() - 1);
        }
        return clean.startsWith("/") ? clean : "/" + clean;
    }
}

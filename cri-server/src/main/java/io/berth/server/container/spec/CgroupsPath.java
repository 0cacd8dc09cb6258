package io.berth.server.container.spec;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import io.berth.server.config.CgroupDriver;

/**
 * berth's cgroups by name: the {@code linux.cgroupsPath} a container's spec carries, written the way runc expects
 * for each cgroup driver, and where the cgroups the OCI runtime creates then end up, as paths in the hierarchy
 * (the form {@code /proc/<pid>/cgroup} shows). The cgroupfs driver's cgroupsPath already is one; the systemd
 * driver's {@code slice:prefix:name} becomes the slice's nested path plus a {@code prefix-name.scope}, as runc and
 * systemd lay it out.
 */
public final class CgroupsPath {
    /** The systemd scope prefix, in the place of containerd's "cri-containerd" and CRI-O's "crio". */
    public static final String SYSTEMD_PREFIX = "berth";
    /** Where runc's systemd driver puts a scope whose cgroupsPath names no slice. */
    private static final String DEFAULT_SLICE = "system.slice";

    private CgroupsPath() {}

    /**
     * cgroupfs: {@code <parent>/<id>}; systemd: {@code <parent slice>:berth:<id>}, where kubelet may give the
     * slice as a bare name or as the full path of nested slices (only the last one names the slice).
     */
    public static String of(CgroupDriver driver, String parent, String containerId) {
        String field = "sandbox_config.linux.cgroup_parent";
        if (parent.indexOf('\0') >= 0 || parent.contains("\n")) {
            throw new InvalidArgumentException(field + ": invalid characters");
        }
        for (String part : parent.split("/")) {
            if (part.equals("..") || part.equals(".")) {
                throw new InvalidArgumentException(field + ": '" + Require.printable(parent)
                        + "' must not contain '.' or '..' components");
            }
        }
        if (driver == CgroupDriver.SYSTEMD) {
            String slice = parent.substring(parent.lastIndexOf('/') + 1);
            if (!slice.isEmpty() && (!slice.endsWith(".slice") || slice.contains(":"))) {
                throw new InvalidArgumentException(field + ": '" + Require.printable(parent)
                        + "' is not a systemd slice (the systemd cgroup driver is configured)");
            }
            return slice + ":" + SYSTEMD_PREFIX + ":" + containerId;
        }
        String clean = parent.replaceAll("/+", "/");
        if (clean.endsWith("/")) {
            clean = clean.substring(0, clean.length() - 1);
        }
        if (!clean.isEmpty() && !clean.startsWith("/")) {
            clean = "/" + clean;
        }
        return clean + "/" + containerId;
    }

    /** The pod's cgroup in the hierarchy, from the {@code linux.cgroup_parent} kubelet sent: a path or a slice. */
    public static String podDir(CgroupDriver driver, String cgroupParent) {
        if (driver == CgroupDriver.SYSTEMD && !cgroupParent.contains("/")) {
            return sliceDir(cgroupParent.isEmpty() ? DEFAULT_SLICE : cgroupParent);
        }
        return normalize(cgroupParent);
    }

    /** The container's cgroup in the hierarchy as its spec named it ({@link #of}), for when its process is gone. */
    public static String containerDir(CgroupDriver driver, String cgroupParent, String containerId) {
        if (driver == CgroupDriver.SYSTEMD) {
            String slice = cgroupParent.substring(cgroupParent.lastIndexOf('/') + 1);
            String dir = sliceDir(slice.isEmpty() ? DEFAULT_SLICE : slice);
            return (dir.equals("/") ? "" : dir) + "/" + SYSTEMD_PREFIX + "-" + containerId + ".scope";
        }
        return of(driver, cgroupParent, containerId);
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

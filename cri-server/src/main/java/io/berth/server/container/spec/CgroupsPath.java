package io.berth.server.container.spec;

import io.berth.common.error.InvalidArgumentException;
import io.berth.server.config.CgroupDriver;

/** {@code linux.cgroupsPath} of a container, written the way runc expects for each cgroup driver. */
public final class CgroupsPath {
    /** The systemd scope prefix, in the place of containerd's "cri-containerd" and CRI-O's "crio". */
    public static final String SYSTEMD_PREFIX = "berth";

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
                throw new InvalidArgumentException(field + ": '" + ContainerPaths.shown(parent)
                        + "' must not contain '.' or '..' components");
            }
        }
        if (driver == CgroupDriver.SYSTEMD) {
            String slice = parent.substring(parent.lastIndexOf('/') + 1);
            if (!slice.isEmpty() && (!slice.endsWith(".slice") || slice.contains(":"))) {
                throw new InvalidArgumentException(field + ": '" + ContainerPaths.shown(parent)
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
}

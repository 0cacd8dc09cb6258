package io.berth.server.container.spec;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.NotFoundException;
import io.berth.common.validate.Require;
import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.Device;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Device nodes created in the container ({@code linux.devices}) and the device cgroup rules
 * ({@code linux.resources.devices}): deny everything, then allow what runc and containerd allow every
 * container, then the requested devices; a privileged container gets every host device and no restriction.
 */
public final class DevicePlanner {
    public record Plan(List<OciSpec.Device> devices, List<OciSpec.DeviceRule> rules) {}

    private final HostFilesystem fs;

    public DevicePlanner(HostFilesystem fs) {
        this.fs = fs;
    }

    public Plan plan(ContainerConfig config, boolean privileged) {
        // Keyed by container path so that a requested device replaces a host device at the same place.
        Map<String, OciSpec.Device> devices = new LinkedHashMap<>();
        List<OciSpec.DeviceRule> rules = new ArrayList<>();
        if (privileged) {
            for (DeviceNode d : fs.hostDevices()) {
                devices.put(d.path(), node(d.path(), d));
            }
            rules.add(new OciSpec.DeviceRule(true, null, null, null, "rwm"));
        } else {
            rules.add(new OciSpec.DeviceRule(false, null, null, null, "rwm"));
            rules.addAll(defaultAllowRules());
        }
        for (int i = 0; i < config.getDevicesCount(); i++) {
            Device req = config.getDevices(i);
            String field = "config.devices[" + i + "]";
            String dst = ContainerPaths.cleanAbsolute(req.getContainerPath(), field + ".container_path");
            String src = req.getHostPath();
            if (!src.startsWith("/") || src.indexOf('\0') >= 0) {
                throw new InvalidArgumentException(field + ".host_path: '" + Require.printable(src)
                        + "' is not an absolute path");
            }
            String access = permissions(req.getPermissions(), field + ".permissions");
            DeviceNode host = fs.device(src).orElseThrow(() -> new NotFoundException(field + ".host_path: '"
                    + Require.printable(src) + "' is not a device node on the host"));
            devices.put(dst, node(dst, host));
            if (!privileged) {
                rules.add(new OciSpec.DeviceRule(true, host.type(), host.major(), host.minor(), access));
            }
        }
        return new Plan(List.copyOf(devices.values()), List.copyOf(rules));
    }

    private static OciSpec.Device node(String path, DeviceNode d) {
        return new OciSpec.Device(path, d.type(), d.major(), d.minor(), d.fileMode(), d.uid(), d.gid());
    }

    private static String permissions(String p, String field) {
        if (p.isEmpty()) {
            return "rwm";
        }
        if (p.length() > 3 || !p.chars().allMatch(c -> c == 'r' || c == 'w' || c == 'm')
                || p.chars().distinct().count() != p.length()) {
            throw new InvalidArgumentException(field + ": '" + Require.printable(p)
                    + "' is not a combination of r, w and m");
        }
        return p;
    }

    /** mknod of any node (the node is still unusable without a rule below), and the pseudo-devices. */
    static List<OciSpec.DeviceRule> defaultAllowRules() {
        return List.of(
                new OciSpec.DeviceRule(true, "c", null, null, "m"),
                new OciSpec.DeviceRule(true, "b", null, null, "m"),
                allow(1, 3),   // /dev/null
                allow(1, 5),   // /dev/zero
                allow(1, 7),   // /dev/full
                allow(1, 8),   // /dev/random
                allow(1, 9),   // /dev/urandom
                allow(5, 0),   // /dev/tty
                allow(5, 2),   // /dev/ptmx
                new OciSpec.DeviceRule(true, "c", 136L, null, "rwm")); // /dev/pts/*
    }

    private static OciSpec.DeviceRule allow(long major, long minor) {
        return new OciSpec.DeviceRule(true, "c", major, minor, "rwm");
    }
}

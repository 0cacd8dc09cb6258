package io.berth.server.runtimestatus;

import io.berth.server.config.BerthConfig;
import io.berth.server.container.spec.ArgumentSpace;
import io.berth.server.container.spec.Capabilities;
import io.berth.server.container.spec.HostFacts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
/** Reads the host facts the OCI spec depends on, once at start. */
public final class HostProbe {
    private static final Logger LOG = Logger.getLogger(HostProbe.class.getName());

    private HostProbe() {}

    /** @param recursiveReadOnly whether the default handler's runtime does {@code rro} (see {@link HandlerFeatures}) */
    public static HostFacts detect(BerthConfig config, boolean recursiveReadOnly) {
        boolean v2 = "cgroup2fs".equals(fsType(Path.of("/sys/fs/cgroup")));
        boolean apparmor = read(Path.of("/sys/module/apparmor/parameters/enabled")).startsWith("Y");
        boolean swap = v2 ? Files.exists(Path.of("/sys/fs/cgroup/memory.swap.max"))
                || Files.exists(Path.of("/sys/fs/cgroup/init.scope/memory.swap.max"))
                : Files.exists(Path.of("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"));
        int floor = parseInt(read(Path.of("/proc/self/oom_score_adj")));
        String hostname = read(Path.of("/proc/sys/kernel/hostname"));
        List<String> capabilities = effectiveCapabilities();
        // kubelet sends hugepage limits for every container; on a hybrid host hugetlb may live only in the v2 tree,
        // where runc, placing containers in the v1 hierarchies, cannot use it.
        boolean hugetlb = v2 ? read(Path.of("/sys/fs/cgroup/cgroup.controllers")).contains("hugetlb")
                : Files.isDirectory(Path.of("/sys/fs/cgroup/hugetlb"));
        ArgumentSpace arguments = ArgumentSpace.fromLimits(read(Path.of("/proc/self/limits")));
        HostFacts facts = new HostFacts(config.cgroupDriver(), v2, apparmor, recursiveReadOnly, swap, hugetlb, floor,
                HostFacts.jvmArch(), hostname, capabilities, arguments);
        List<String> missing = new ArrayList<>(Capabilities.ALL);
        missing.removeAll(capabilities);
        LOG.info("host: cgroup " + (v2 ? "v2" : "v1/hybrid") + ", apparmor " + apparmor + ", swap limits " + swap
                + ", hugetlb " + hugetlb
                + ", oom_score_adj floor " + floor + ", " + arguments.bytes() + " bytes for a container's arguments and"
                + " environment" + (missing.isEmpty() ? "" : ", berthd lacks capabilities "
                + String.join(" ", missing) + " (privileged and ALL grant the others)"));
        return facts;
    }

    /** berthd's effective capabilities: what "ALL" can grant, as containerd reads them for its own. */
    static List<String> effectiveCapabilities() {
        for (String line : read(Path.of("/proc/self/status")).split("\n")) {
            if (line.startsWith("CapEff:")) {
                try {
                    return Capabilities.fromMask(Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16));
                } catch (NumberFormatException e) {
                    break;
                }
            }
        }
        LOG.warning("cannot read CapEff from /proc/self/status; assuming berthd holds every capability");
        return Capabilities.ALL;
    }

    private static String fsType(Path p) {
        try {
            return Files.getFileStore(p).type();
        } catch (IOException e) {
            return "";
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (IOException e) {
            return "";
        }
    }

    private static int parseInt(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}

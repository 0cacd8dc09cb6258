package io.berth.server.container.spec;

import io.berth.server.config.CgroupDriver;
import java.util.List;

/**
 * What berthd knows about its host, decided once at start and injected so tests can vary every fact.
 *
 * @param cgroupDriver            how cgroupsPath is written; must match kubelet's driver
 * @param cgroupV2                unified hierarchy: containers get a cgroup namespace and may use {@code unified}
 * @param apparmorEnabled         AppArmor is on in the kernel, so profiles can be applied
 * @param recursiveReadOnlyMounts the OCI runtime and kernel support {@code rro} (runc 1.1+ on Linux 5.12+)
 * @param swapControllerAvailable memory+swap can be limited (cgroup v1 {@code memsw}, v2 {@code memory.swap.max})
 * @param hugetlbController       the hugetlb controller is in the hierarchy containers are placed in (a v1
 *                                {@code hugetlb} mount, or v2's {@code cgroup.controllers}); without it hugepage
 *                                limits are left out, as containerd's {@code tolerate_missing_hugetlb_controller}
 * @param oomScoreAdjFloor        berthd's own oom_score_adj: an unprivileged daemon cannot give a child less
 * @param arch                    Go-style architecture name ({@code amd64}, {@code arm64}) for seccomp filtering
 * @param nodeHostname            the host's name, the hostname of host-network containers
 * @param grantableCapabilities   what "ALL" and privileged mean: the capabilities berthd itself holds (its
 *                                effective set), as containerd's {@code cap.Current()}; the runtime cannot give a
 *                                container more, and asking for more fails the container's start with EPERM
 * @param argumentSpace           the room execve gives a container's arguments and environment (from berthd's stack
 *                                limit, which containers inherit)
 */
public record HostFacts(
        CgroupDriver cgroupDriver,
        boolean cgroupV2,
        boolean apparmorEnabled,
        boolean recursiveReadOnlyMounts,
        boolean swapControllerAvailable,
        boolean hugetlbController,
        int oomScoreAdjFloor,
        String arch,
        String nodeHostname,
        List<String> grantableCapabilities,
        ArgumentSpace argumentSpace) {

    public HostFacts {
        grantableCapabilities = List.copyOf(grantableCapabilities);
    }

    /**
     * A host with the hugetlb controller on which berthd holds every capability Linux defines, under the default
     * 8 MiB stack limit.
     */
    public HostFacts(CgroupDriver cgroupDriver, boolean cgroupV2, boolean apparmorEnabled,
            boolean recursiveReadOnlyMounts, boolean swapControllerAvailable, int oomScoreAdjFloor, String arch,
            String nodeHostname) {
        this(cgroupDriver, cgroupV2, apparmorEnabled, recursiveReadOnlyMounts, swapControllerAvailable, true,
                oomScoreAdjFloor, arch, nodeHostname, Capabilities.ALL, ArgumentSpace.DEFAULT);
    }

    /** Go's name for this JVM's architecture, the names docker-style seccomp profiles filter on. */
    public static String jvmArch() {
        String a = System.getProperty("os.arch");
        return switch (a) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i686" -> "386";
            default -> a;
        };
    }
}

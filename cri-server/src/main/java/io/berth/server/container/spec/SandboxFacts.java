package io.berth.server.container.spec;

/**
 * What berth decided for the container's pod sandbox. Paths are host paths; an empty string means "none".
 *
 * @param podId         the sandbox id
 * @param netNsPath     the pinned network namespace (unused when the pod uses the host network)
 * @param ipcNsPath     the pinned IPC namespace (unused with host IPC)
 * @param utsNsPath     the pinned UTS namespace (unused with host network)
 * @param pidNsPath     the pod's shared PID namespace, e.g. {@code /proc/<infra pid>/ns/pid}; needed for POD mode
 * @param cgroupParent  the pod's cgroup parent (cgroupfs path or systemd slice, as kubelet gave it)
 * @param hostsPath     the sandbox's {@code /etc/hosts}
 * @param resolvConfPath the sandbox's {@code /etc/resolv.conf}
 * @param hostnamePath  the sandbox's {@code /etc/hostname}
 * @param shmPath       the sandbox's {@code /dev/shm} directory
 */
public record SandboxFacts(
        String podId,
        String netNsPath,
        String ipcNsPath,
        String utsNsPath,
        String pidNsPath,
        String cgroupParent,
        String hostsPath,
        String resolvConfPath,
        String hostnamePath,
        String shmPath) {

    public SandboxFacts {
        netNsPath = orEmpty(netNsPath);
        ipcNsPath = orEmpty(ipcNsPath);
        utsNsPath = orEmpty(utsNsPath);
        pidNsPath = orEmpty(pidNsPath);
        cgroupParent = orEmpty(cgroupParent);
        hostsPath = orEmpty(hostsPath);
        resolvConfPath = orEmpty(resolvConfPath);
        hostnamePath = orEmpty(hostnamePath);
        shmPath = orEmpty(shmPath);
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}

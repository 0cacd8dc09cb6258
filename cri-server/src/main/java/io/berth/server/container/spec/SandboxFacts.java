package io.berth.server.container.spec;

import io.berth.cri.v1.NamespaceMode;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What berth decided for the container's pod sandbox. Paths are host paths; an empty string means "none".
 *
 * @param podId         the sandbox id
 * @param netNsPath     the pinned network namespace (unused when the pod uses the host network)
 * @param ipcNsPath     the pinned IPC namespace (unused with host IPC)
 * @param utsNsPath     the pinned UTS namespace (unused with host network)
 * @param pidMode       the sandbox's PID mode: NODE (the host's), POD (one shared namespace) or CONTAINER
 * @param pidNsPath     the pod's shared PID namespace, e.g. {@code /proc/<infra pid>/ns/pid}; needed for POD mode
 * @param cgroupParent  the pod's cgroup parent (cgroupfs path or systemd slice, as kubelet gave it)
 * @param hostsPath     the sandbox's {@code /etc/hosts}
 * @param resolvConfPath the sandbox's {@code /etc/resolv.conf}
 * @param hostnamePath  the sandbox's {@code /etc/hostname}
 * @param shmPath       the sandbox's {@code /dev/shm} directory
 * @param sysctls       the pod's sysctls, admitted once at RunPodSandbox; every container's spec sets them as they
 *                      are
 */
public record SandboxFacts(
        String podId,
        String netNsPath,
        String ipcNsPath,
        String utsNsPath,
        NamespaceMode pidMode,
        String pidNsPath,
        String cgroupParent,
        String hostsPath,
        String resolvConfPath,
        String hostnamePath,
        String shmPath,
        Map<String, String> sysctls) {

    public SandboxFacts {
        netNsPath = orEmpty(netNsPath);
        ipcNsPath = orEmpty(ipcNsPath);
        utsNsPath = orEmpty(utsNsPath);
        Objects.requireNonNull(pidMode, "pidMode");
        pidNsPath = orEmpty(pidNsPath);
        cgroupParent = orEmpty(cgroupParent);
        hostsPath = orEmpty(hostsPath);
        resolvConfPath = orEmpty(resolvConfPath);
        hostnamePath = orEmpty(hostnamePath);
        shmPath = orEmpty(shmPath);
        sysctls = Collections.unmodifiableSortedMap(new TreeMap<>(sysctls));
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}

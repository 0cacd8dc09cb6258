package io.berth.server.sandbox;

import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxMetadata;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What never changes about a sandbox once created.
 *
 * @param name the unique reserved name: {@code <name>_<namespace>_<uid>_<attempt>}
 * @param config the CRI config as kubelet sent it, so that status answers return labels, annotations and options
 *               exactly
 * @param hostNetwork, hostIpc, hostPid namespace choices resolved at creation
 * @param sysctls the pod's sysctls as {@link SysctlPolicy} admitted them, by dotted name: what every container's
 *                spec sets. Null only in a record written before they were kept, which gets them from its config
 *                by the same policy.
 */
public record SandboxMetadata(
        String id,
        String name,
        PodSandboxConfig config,
        String runtimeHandler,
        long createdAtNanos,
        String stateDir,
        boolean hostNetwork,
        boolean hostIpc,
        boolean hostPid,
        Map<String, String> sysctls) {
    public SandboxMetadata {
        sysctls = sysctls == null
                ? SysctlPolicy.admit(config.getLinux().getSysctlsMap(), hostNetwork, hostIpc)
                : Collections.unmodifiableSortedMap(new TreeMap<>(sysctls));
    }

    public SandboxPaths paths() {
        return new SandboxPaths(Path.of(stateDir));
    }

    /** The name kubelet identifies a pod by; unique among live sandboxes. */
    public static String reservedName(PodSandboxMetadata m) {
        return m.getName() + "_" + m.getNamespace() + "_" + m.getUid() + "_" + m.getAttempt();
    }
}

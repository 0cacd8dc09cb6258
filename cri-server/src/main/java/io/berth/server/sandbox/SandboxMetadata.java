package io.berth.server.sandbox;

import io.berth.cri.v1.PodSandboxConfig;
import io.berth.server.store.ParsedConfigs;

/**
 * What never changes about a sandbox once created. The CRI config is kept as its protobuf bytes so that
 * status answers return labels, annotations and options exactly as kubelet sent them.
 *
 * @param name the unique reserved name: {@code <name>_<namespace>_<uid>_<attempt>}
 * @param hostNetwork, hostIpc, hostPid namespace choices resolved at creation
 */
public record SandboxMetadata(
        String id,
        String name,
        byte[] config,
        String runtimeHandler,
        long createdAtNanos,
        String stateDir,
        boolean hostNetwork,
        boolean hostIpc,
        boolean hostPid) {
    private static final ParsedConfigs<PodSandboxConfig> CONFIGS =
            new ParsedConfigs<>(PodSandboxConfig.parser(), "sandbox");


    public PodSandboxConfig podConfig() {
        return CONFIGS.of(id, config);
    }

    public SandboxPaths paths() {
        return new SandboxPaths(java.nio.file.Path.of(stateDir));
    }

    /** The name kubelet identifies a pod by; unique among live sandboxes. */
    public static String reservedName(io.berth.cri.v1.PodSandboxMetadata m) {
        return m.getName() + "_" + m.getNamespace() + "_" + m.getUid() + "_" + m.getAttempt();
    }
}

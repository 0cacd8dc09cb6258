package io.berth.server.sandbox;

import com.google.protobuf.InvalidProtocolBufferException;
import io.berth.cri.v1.PodSandboxConfig;
import java.io.UncheckedIOException;
import java.io.IOException;

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

    public PodSandboxConfig podConfig() {
        try {
            return PodSandboxConfig.parseFrom(config);
        } catch (InvalidProtocolBufferException e) {
            throw new UncheckedIOException(new IOException("sandbox " + id + " has an unreadable config record", e));
        }
    }

    public SandboxPaths paths() {
        return new SandboxPaths(java.nio.file.Path.of(stateDir));
    }

    /** The name kubelet identifies a pod by; unique among live sandboxes. */
    public static String reservedName(io.berth.cri.v1.PodSandboxMetadata m) {
        return m.getName() + "_" + m.getNamespace() + "_" + m.getUid() + "_" + m.getAttempt();
    }
}

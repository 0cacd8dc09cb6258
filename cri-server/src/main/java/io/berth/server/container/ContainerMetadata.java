package io.berth.server.container;

import io.berth.cri.v1.ContainerConfig;
import io.berth.server.store.ParsedConfigs;
import java.nio.file.Path;

/**
 * What never changes about a container once created. The CRI config is kept as protobuf bytes so status
 * answers echo labels, annotations and mounts exactly as kubelet sent them.
 *
 * @param name the unique reserved name: {@code <name>_<pod name>_<pod namespace>_<pod uid>_<attempt>}
 * @param imageId the config digest of the image the rootfs came from
 * @param imageRef a digested reference of that image (repo@sha256:...), or the id when none is known
 * @param logPath absolute path of the CRI log file, or empty when kubelet gave no log directory
 * @param runDir where the bundle, the shim socket and the exit file live
 * @param stopSignal the effective stop signal name (e.g. SIGTERM), from the request or the image
 */
public record ContainerMetadata(
        String id,
        String sandboxId,
        String name,
        byte[] config,
        String imageId,
        String imageRef,
        long createdAtNanos,
        String logPath,
        String runDir,
        String snapshotKey,
        String runtimeHandler,
        String stopSignal,
        long uid,
        long gid,
        long[] supplementalGroups) {
    private static final ParsedConfigs<ContainerConfig> CONFIGS =
            new ParsedConfigs<>(ContainerConfig.parser(), "container");


    public ContainerConfig containerConfig() {
        return CONFIGS.of(id, config);
    }

    public Path runPath() {
        return Path.of(runDir);
    }

    public static String reservedName(io.berth.cri.v1.ContainerMetadata c, io.berth.cri.v1.PodSandboxMetadata pod) {
        return c.getName() + "_" + pod.getName() + "_" + pod.getNamespace() + "_" + pod.getUid() + "_" + c.getAttempt();
    }
}

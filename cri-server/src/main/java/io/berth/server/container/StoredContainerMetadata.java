package io.berth.server.container;

import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.ContainerMetadata;
import io.berth.cri.v1.PodSandboxMetadata;
import java.nio.file.Path;
import java.util.List;

/**
 * What never changes about a container once created.
 *
 * @param name the unique reserved name: {@code <name>_<pod name>_<pod namespace>_<pod uid>_<attempt>}
 * @param config the CRI config as kubelet sent it (image volumes carry the id of the image mounted), so status
 *               answers echo labels, annotations and mounts exactly
 * @param imageId the config digest of the image the rootfs came from
 * @param imageRef a digested reference of that image (repo@sha256:...), or the id when none is known
 * @param logPath absolute path of the CRI log file, or empty when kubelet gave no log directory
 * @param runDir where the bundle, the shim socket and the exit file live
 * @param stopSignal the effective stop signal name (e.g. SIGTERM), from the request or the image
 * @param supplementalGroups the gids the container's process gets beside {@code gid}, as resolved at creation
 */
public record StoredContainerMetadata(
        String id,
        String sandboxId,
        String name,
        ContainerConfig config,
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
        List<Long> supplementalGroups) {
    public StoredContainerMetadata {
        supplementalGroups = List.copyOf(supplementalGroups);
    }

    public Path runPath() {
        return Path.of(runDir);
    }

    public static String reservedName(ContainerMetadata c, PodSandboxMetadata pod) {
        return c.getName() + "_" + pod.getName() + "_" + pod.getNamespace() + "_" + pod.getUid() + "_" + c.getAttempt();
    }
}

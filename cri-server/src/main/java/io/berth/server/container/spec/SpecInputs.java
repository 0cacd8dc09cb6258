package io.berth.server.container.spec;

import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.PodSandboxConfig;

/**
 * Everything one {@code config.json} is made from.
 *
 * @param containerId berth's id of the new container
 * @param config      the CRI CreateContainer config (hostile)
 * @param sandboxConfig the CRI config the pod was created with (hostile)
 * @param sandbox     what berth decided for the pod
 * @param image       the image's config (hostile)
 * @param imageName   the image reference to record in the annotations
 * @param user        from {@link UserResolver#resolve}
 * @param rootfsPath  {@code root.path}: absolute, or relative to the bundle (usually {@code rootfs})
 * @param targetPid   host pid of the target container's init when the PID namespace mode is TARGET, else 0
 */
public record SpecInputs(
        String containerId,
        ContainerConfig config,
        PodSandboxConfig sandboxConfig,
        SandboxFacts sandbox,
        ImageProcessDefaults image,
        String imageName,
        ResolvedUser user,
        String rootfsPath,
        long targetPid) {}

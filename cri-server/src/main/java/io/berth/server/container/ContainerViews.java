package io.berth.server.container;

import io.berth.cri.v1.Container;
import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.ContainerResources;
import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ContainerStatus;
import io.berth.cri.v1.ContainerUser;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.LinuxContainerResources;
import io.berth.cri.v1.LinuxContainerUser;
import io.berth.cri.v1.Signal;

/** Container records as the CRI messages kubelet reads. */
public final class ContainerViews {
    private ContainerViews() {}

    public static Container summary(ContainerStore.Container c) {
        StoredContainerMetadata m = c.metadata();
        ContainerConfig config = m.config();
        return Container.newBuilder()
                .setId(c.id())
                .setPodSandboxId(m.sandboxId())
                .setMetadata(config.getMetadata())
                .setImage(image(config, m))
                .setImageRef(m.imageRef())
                .setImageId(m.imageId())
                .setState(state(c.status()))
                .setCreatedAt(m.createdAtNanos())
                .putAllLabels(config.getLabelsMap())
                .putAllAnnotations(config.getAnnotationsMap())
                .build();
    }

    public static ContainerStatus status(ContainerStore.Container c) {
        StoredContainerMetadata m = c.metadata();
        ContainerRunStatus s = c.status();
        ContainerConfig config = m.config();
        LinuxContainerUser.Builder user = LinuxContainerUser.newBuilder().setUid(m.uid()).setGid(m.gid())
                .addAllSupplementalGroups(m.supplementalGroups());
        return ContainerStatus.newBuilder()
                .setId(c.id())
                .setMetadata(config.getMetadata())
                .setState(state(s))
                .setCreatedAt(m.createdAtNanos())
                .setStartedAt(s.startedAtNanos())
                .setFinishedAt(s.finishedAtNanos())
                .setExitCode(s.exitCode())
                .setImage(image(config, m))
                .setImageRef(m.imageRef())
                .setImageId(m.imageId())
                .setReason(s.reason())
                .setMessage(s.message())
                .putAllLabels(config.getLabelsMap())
                .putAllAnnotations(config.getAnnotationsMap())
                .addAllMounts(config.getMountsList())
                .setLogPath(m.logPath())
                .setResources(ContainerResources.newBuilder().setLinux(resources(c)))
                .setUser(ContainerUser.newBuilder().setLinux(user))
                .setStopSignal(StopSignals.toCri(m.stopSignal()))
                .build();
    }

    /** The resources in force: the last UpdateContainerResources, else what the container was created with. */
    public static LinuxContainerResources resources(ContainerStore.Container c) {
        LinuxContainerResources updated = c.status().resources();
        return updated != null ? updated : c.metadata().config().getLinux().getResources();
    }

    public static ContainerState state(ContainerRunStatus s) {
        return switch (s.phase()) {
            case CREATED -> ContainerState.CONTAINER_CREATED;
            case RUNNING -> ContainerState.CONTAINER_RUNNING;
            case EXITED -> ContainerState.CONTAINER_EXITED;
            case UNKNOWN -> ContainerState.CONTAINER_UNKNOWN;
        };
    }

    private static ImageSpec image(ContainerConfig config, StoredContainerMetadata m) {
        return ImageSpec.newBuilder(config.getImage()).setImage(m.imageId()).build();
    }
}

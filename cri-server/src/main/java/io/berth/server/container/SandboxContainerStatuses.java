package io.berth.server.container;

import io.berth.cri.v1.ContainerStatus;
import java.util.Comparator;
import java.util.List;

/**
 * The ContainerStatus of every container of one pod, oldest first, exactly as ContainerStatus answers for each
 * (exited ones included, removed ones gone). kubelet's evented PLEG reads a pod's containers only from these
 * lists, in PodSandboxStatus and in each container event, so both are built here the same way.
 */
public final class SandboxContainerStatuses {
    private SandboxContainerStatuses() {}

    public static List<ContainerStatus> of(ContainerStore containers, String sandboxId) {
        return containers.inSandbox(sandboxId).stream()
                .sorted(Comparator.comparingLong(c -> c.metadata().createdAtNanos()))
                .map(ContainerViews::status)
                .toList();
    }
}

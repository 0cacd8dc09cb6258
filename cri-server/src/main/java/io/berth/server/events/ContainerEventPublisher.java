package io.berth.server.events;

import io.berth.common.time.UnixNanos;
import io.berth.cri.v1.ContainerEventResponse;
import io.berth.cri.v1.ContainerEventType;
import io.berth.server.container.ContainerChanges;
import io.berth.server.container.ContainerStore;
import io.berth.server.container.SandboxContainerStatuses;
import io.berth.server.sandbox.SandboxStore;
import io.berth.server.sandbox.SandboxViews;
import java.time.Clock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns container lifecycle steps into CRI events on the bus. As in containerd, each event carries the status
 * of the container's pod sandbox and the statuses of every container of that pod as they are after the step
 * (a deleted container is no longer among them), so kubelet's evented PLEG can update the pod without relisting.
 */
public final class ContainerEventPublisher implements ContainerChanges {
    private static final Logger LOG = Logger.getLogger(ContainerEventPublisher.class.getName());

    private final ContainerEventBus bus;
    private final SandboxStore sandboxes;
    private final Clock clock;

    public ContainerEventPublisher(ContainerEventBus bus, SandboxStore sandboxes, Clock clock) {
        this.bus = bus;
        this.sandboxes = sandboxes;
        this.clock = clock;
    }

    @Override
    public void changed(Step step, ContainerStore.Container container, ContainerStore containers) {
        try {
            bus.publish(event(step, container, containers));
        } catch (RuntimeException e) {
            // The record change already happened and is persisted; a broken event must not undo the caller's work.
            LOG.log(Level.WARNING, "could not publish the " + step + " event of container " + container.id(), e);
        }
    }

    ContainerEventResponse event(Step step, ContainerStore.Container container, ContainerStore containers) {
        String sandboxId = container.metadata().sandboxId();
        ContainerEventResponse.Builder event = ContainerEventResponse.newBuilder()
                .setContainerId(container.id())
                .setContainerEventType(type(step))
                .setCreatedAt(UnixNanos.now(clock));
        sandboxes.find(sandboxId).ifPresent(s -> event.setPodSandboxStatus(SandboxViews.status(s)));
        event.addAllContainersStatuses(SandboxContainerStatuses.of(containers, sandboxId));
        return event.build();
    }

    static ContainerEventType type(Step step) {
        return switch (step) {
            case CREATED -> ContainerEventType.CONTAINER_CREATED_EVENT;
            case STARTED -> ContainerEventType.CONTAINER_STARTED_EVENT;
            case STOPPED -> ContainerEventType.CONTAINER_STOPPED_EVENT;
            case DELETED -> ContainerEventType.CONTAINER_DELETED_EVENT;
        };
    }
}

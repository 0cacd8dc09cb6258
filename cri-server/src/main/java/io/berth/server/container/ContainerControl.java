package io.berth.server.container;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InternalException;
import io.berth.common.error.NotFoundException;
import io.berth.common.time.UnixNanos;
import io.berth.cri.v1.LinuxContainerResources;
import io.berth.server.failpoint.FailPoint;
import io.berth.server.sandbox.SandboxMembers;
import io.berth.shim.api.State;
import io.berth.shim.client.ShimClient;
import java.time.Clock;
import java.time.Duration;
import java.util.logging.Logger;

/**
 * Start, stop and remove of created containers (their exits are recorded by {@link ContainerExits}). Stop and
 * remove are idempotent, as kubelet repeats them until they succeed.
 */
public final class ContainerControl implements SandboxMembers {
    private static final Logger LOG = Logger.getLogger(ContainerControl.class.getName());
    private static final int SIGKILL = 9;
    /** After SIGKILL a container that still has not gone is stuck in the kernel; say so rather than hang. */
    private static final Duration KILL_WAIT = Duration.ofSeconds(30);

    private final ContainerStore containers;
    private final ShimRegistry shims;
    private final ContainerCleaner cleaner;
    private final Clock clock;

    public ContainerControl(ContainerStore containers, ShimRegistry shims, ContainerCleaner cleaner, Clock clock) {
        this.containers = containers;
        this.shims = shims;
        this.cleaner = cleaner;
        this.clock = clock;
    }

    public void start(String idOrPrefix) throws Exception {
        ContainerStore.Container c = containers.resolve(idOrPrefix);
        if (c.status().phase() != ContainerRunStatus.Phase.CREATED) {
            throw new FailedPreconditionException("container " + c.id() + " is " + c.status().phase()
                    + "; only a CREATED container can be started");
        }
        ShimClient shim = shim(c);
        long startedAt = UnixNanos.now(clock);
        State state = shim.start();
        FailPoint.START_CONTAINER_AFTER_RUNTIME_START.reach();
        // The process runs from here on, whatever the disk says: a record that cannot be written now (a full disk,
        // which the container may have filled in its first milliseconds) must not leave it reported CREATED.
        containers.updateObserved(c.id(), s -> s.started(state.getPid(), startedAt));
        shims.watch(c.id());
        LOG.info("container " + c.id() + " started, pid " + state.getPid());
    }

    /**
     * Sends the stop signal, waits up to {@code timeoutSeconds}, then SIGKILLs. A container that is not
     * running is already stopped; a CREATED one is marked exited without running.
     */
    public void stop(String idOrPrefix, long timeoutSeconds) throws Exception {
        ContainerStore.Container c = containers.resolve(idOrPrefix);
        switch (c.status().phase()) {
            case EXITED, UNKNOWN -> {
                return;
            }
            case CREATED -> {
                ShimClient shim = shims.get(c.id()).orElse(null);
                if (shim != null) {
                    shim.delete(true);
                    shims.forget(c.id());
                }
                containers.update(c.id(), s -> s.exited(0, UnixNanos.now(clock), "Completed",
                        "stopped before it was started"));
                return;
            }
            case RUNNING -> {
                // handled below
            }
        }
        ShimClient shim = shim(c);
        if (timeoutSeconds > 0) {
            shim.kill(StopSignals.number(c.metadata().stopSignal()), false);
            FailPoint.STOP_CONTAINER_AFTER_SIGNAL.reach();
            if (shims.awaitExit(c.id(), Duration.ofSeconds(timeoutSeconds))) {
                return;
            }
            LOG.info("container " + c.id() + " did not stop within " + timeoutSeconds + "s of "
                    + c.metadata().stopSignal() + "; sending SIGKILL");
        }
        shim.kill(SIGKILL, true);
        if (!shims.awaitExit(c.id(), KILL_WAIT)) {
            throw new InternalException("container " + c.id() + " did not exit within " + KILL_WAIT.toSeconds()
                    + "s of SIGKILL (a process stuck in the kernel?)");
        }
    }

    /** Force-stops, deletes the runtime state, the rootfs mount and snapshot, the run dir and the record. */
    public void remove(String idOrPrefix) throws Exception {
        ContainerStore.Container c;
        try {
            c = containers.resolve(idOrPrefix);
        } catch (NotFoundException gone) {
            return;
        }
        if (c.status().phase() == ContainerRunStatus.Phase.RUNNING) {
            stop(c.id(), 0);
        }
        cleaner.clean(c, shims.get(c.id()).orElse(null));
        FailPoint.REMOVE_CONTAINER_AFTER_CLEANUP.reach();
        shims.forget(c.id());
        containers.remove(c);
        LOG.info("container " + c.id() + " removed");
    }

    public void reopenLog(String idOrPrefix) {
        ContainerStore.Container c = containers.resolve(idOrPrefix);
        if (c.status().phase() != ContainerRunStatus.Phase.RUNNING) {
            throw new FailedPreconditionException("container " + c.id() + " is not running; its log is closed");
        }
        shim(c).reopenLog();
    }

    public void updateResources(String idOrPrefix, LinuxContainerResources resources, ResourceUpdater updater)
            throws Exception {
        ContainerStore.Container c = containers.resolve(idOrPrefix);
        if (c.status().phase() == ContainerRunStatus.Phase.EXITED) {
            throw new FailedPreconditionException("container " + c.id() + " has exited; its resources cannot change");
        }
        ContainerRunStatus.Phase phase = c.status().phase();
        if (phase == ContainerRunStatus.Phase.RUNNING || phase == ContainerRunStatus.Phase.CREATED) {
            updater.apply(c, resources);
        }
        containers.update(c.id(), s -> s.withResources(resources));
    }

    @Override
    public void stopAll(String sandboxId) throws Exception {
        for (ContainerStore.Container c : containers.inSandbox(sandboxId)) {
            stop(c.id(), 0);
        }
    }

    @Override
    public void removeAll(String sandboxId) throws Exception {
        for (ContainerStore.Container c : containers.inSandbox(sandboxId)) {
            remove(c.id());
        }
    }

    private ShimClient shim(ContainerStore.Container c) {
        return shims.get(c.id()).orElseThrow(() -> new FailedPreconditionException("container " + c.id()
                + " has no shim (it was lost while berthd was down); remove and recreate it"));
    }

    /** Applies new resources to a live container (runc update). */
    @FunctionalInterface
    public interface ResourceUpdater {
        void apply(ContainerStore.Container c, LinuxContainerResources resources) throws Exception;
    }
}

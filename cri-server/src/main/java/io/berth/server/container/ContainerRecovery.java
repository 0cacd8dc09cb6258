package io.berth.server.container;

import io.berth.common.concurrent.Parallel;
import io.berth.common.time.UnixNanos;
import io.berth.shim.api.ExitStatus;
import io.berth.shim.api.State;
import io.berth.shim.api.Status;
import io.berth.shim.client.ShimClient;
import io.berth.shim.client.ShimGoneException;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Reconciles container records with their shims when berthd starts: live shims are reattached and
 * watched again, exits that happened while berthd was down are recorded with their real exit codes, and
 * a container whose shim is gone is EXITED with a reason — never left RUNNING.
 */
public final class ContainerRecovery {
    private static final Logger LOG = Logger.getLogger(ContainerRecovery.class.getName());
    private static final int THREADS = 4;

    private final ContainerStore containers;
    private final ShimRegistry shims;
    private final ContainerExits exits;
    private final Clock clock;

    public ContainerRecovery(ContainerStore containers, ShimRegistry shims, ContainerExits exits, Clock clock) {
        this.containers = containers;
        this.shims = shims;
        this.exits = exits;
        this.clock = clock;
    }

    public void reconcile() {
        List<ContainerStore.Container> live = containers.list().stream()
                .filter(c -> c.status().phase() != ContainerRunStatus.Phase.EXITED).toList();
        // Each is a round trip to its shim; a few at once, so that the shims answer while berthd asks the next.
        Parallel.forEach("container-recovery", THREADS, live, c -> {
            try {
                reconcile(c);
            } catch (RuntimeException e) {
                LOG.warning("container " + c.id() + " could not be reconciled: " + e.getMessage());
                exits.record(c.id(), new ContainerExits.Exit(Optional.empty(),
                        "berthd could not reattach to the container after a restart: " + e.getMessage()));
            }
        });
    }

    private void reconcile(ContainerStore.Container c) {
        if (!Files.isDirectory(c.metadata().runPath())) {
            exits.record(c.id(), new ContainerExits.Exit(Optional.empty(),
                    "the container's run state is gone (the node rebooted?)"));
            return;
        }
        ShimClient shim;
        State state;
        try {
            shim = shims.connect(c.id(), c.metadata().runPath());
            state = shim.state();
        } catch (ShimGoneException e) {
            exits.record(c.id(), new ContainerExits.Exit(e.recordedExit(),
                    e.recordedExit().isPresent() ? "" : "the shim is gone and recorded no exit"));
            return;
        } catch (IOException e) {
            Optional<ExitStatus> recorded = recordedExit(c);
            exits.record(c.id(), new ContainerExits.Exit(recorded, "cannot reach the shim: " + e.getMessage()));
            return;
        }
        if (state.getStatus() == Status.STATUS_STOPPED) {
            exits.record(c.id(), new ContainerExits.Exit(Optional.of(state.getExit()), ""));
        } else if (state.getStatus() == Status.STATUS_RUNNING) {
            if (c.status().phase() != ContainerRunStatus.Phase.RUNNING) {
                // berthd died between the shim starting the container and the record saying so.
                containers.updateObserved(c.id(), s -> s.started(state.getPid(), UnixNanos.now(clock)));
            }
            shims.watch(c.id());
        }
        LOG.info("container " + c.id() + " reattached: " + state.getStatus());
    }

    private static Optional<ExitStatus> recordedExit(ContainerStore.Container c) {
        try {
            return ShimClient.recordedExit(c.metadata().runPath());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}

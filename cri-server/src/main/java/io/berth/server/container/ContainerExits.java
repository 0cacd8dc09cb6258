package io.berth.server.container;

import io.berth.common.time.UnixNanos;
import io.berth.shim.api.ExitStatus;
import io.berth.shim.api.State;
import io.berth.shim.api.Status;
import io.berth.shim.client.ShimClient;
import io.berth.shim.client.ShimGoneException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * How containers end: the watch on each running container, and the record of every exit, whether its shim host
 * reported it ({@link #exited}) or recovery found it at start ({@link #record}). It needs only the records and the
 * cleaner, not the shims, so it exists before the shim hosts that deliver exits to it. No thread waits per
 * container.
 */
public final class ContainerExits {
    private static final Logger LOG = Logger.getLogger(ContainerExits.class.getName());

    private final ContainerStore containers;
    private final ContainerCleaner cleaner;
    private final Clock clock;
    /** Watched containers by run dir, which is how hosts name them. */
    private final Map<Path, String> watched = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<ExitStatus>> exits = new ConcurrentHashMap<>();

    /** How a container ended: the shim's exit status, or why berth could not learn it. */
    public record Exit(Optional<ExitStatus> status, String lostReason) {}

    public ContainerExits(ContainerStore containers, ContainerCleaner cleaner, Clock clock) {
        this.containers = containers;
        this.cleaner = cleaner;
        this.clock = clock;
    }

    /** What the hosts call with each exit; run dirs nobody watches (a pod's init) are ignored. */
    public void exited(Path runDir, ExitStatus exit) {
        String containerId = watched.get(runDir);
        if (containerId != null) {
            deliver(containerId, new Exit(Optional.of(exit), exit.getMessage()));
        }
    }

    /**
     * Watches for the exit of the container {@code shim} runs. The exit may already have happened (before the
     * watch, or while berthd was down), so the shim's state is asked once after the watch is in place. Watching
     * twice is harmless.
     */
    void watch(String containerId, ShimClient shim) {
        if (exits.putIfAbsent(containerId, new CompletableFuture<>()) != null) {
            return;
        }
        watched.put(shim.runDir(), containerId);
        try {
            State state = shim.state();
            if (state.getStatus() == Status.STATUS_STOPPED) {
                deliver(containerId, new Exit(Optional.of(state.getExit()), state.getExit().getMessage()));
            }
        } catch (ShimGoneException e) {
            deliver(containerId, new Exit(e.recordedExit(), "the shim of the container died: " + e.getMessage()));
        } catch (RuntimeException e) {
            LOG.warning("no state for container " + containerId + " as its watch began: " + e.getMessage());
        }
    }

    /** The container is gone from berthd: its watch ends. */
    void forget(String containerId) {
        watched.values().remove(containerId);
        CompletableFuture<ExitStatus> f = exits.remove(containerId);
        if (f != null) {
            f.cancel(false);
        }
    }

    /** Waits for a watched container to exit; false if it did not within {@code timeout}. */
    boolean awaitExit(String containerId, Duration timeout) throws InterruptedException {
        CompletableFuture<ExitStatus> f = exits.get(containerId);
        if (f == null) {
            return true;
        }
        try {
            f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException | CancellationException e) {
            return true;
        }
    }

    /**
     * Records an exit the shim reported, or the loss of the shim. Called on the host's event thread, and by
     * recovery at start. A shim lost without a recorded exit leaves the container's processes running with no one
     * watching them; they are killed here, as containerd does after a dead shim, so that EXITED is the truth and a
     * restart by kubelet never runs a second copy beside the first.
     */
    public void record(String id, Exit exit) {
        ContainerStore.Container before = containers.find(id).orElse(null);
        if (before == null || before.status().phase() == ContainerRunStatus.Phase.EXITED) {
            return;
        }
        long now = UnixNanos.now(clock);
        containers.updateObserved(id, s -> {
            if (s.phase() == ContainerRunStatus.Phase.EXITED) {
                return s;
            }
            if (exit.status().isPresent()) {
                ExitStatus e = exit.status().get();
                long at = e.getExitedAtUnixNanos() > 0 ? e.getExitedAtUnixNanos() : now;
                return s.exited(e.getExitCode(), at, e.getReason(), exit.lostReason());
            }
            return s.exited(255, now, "Unknown", exit.lostReason());
        });
        LOG.info("container " + id + " exited: " + containers.get(id).status().exitCode());
        if (exit.status().isEmpty()) {
            cleaner.killOrphaned(before);
        }
    }

    private void deliver(String containerId, Exit exit) {
        try {
            record(containerId, exit);
        } catch (RuntimeException e) {
            LOG.warning("recording the exit of container " + containerId + " failed: " + e.getMessage());
        }
        CompletableFuture<ExitStatus> f = exits.get(containerId);
        if (f != null) {
            f.complete(exit.status().orElse(null));
        }
    }
}

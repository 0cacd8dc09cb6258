package io.berth.server.container;

import io.berth.shim.api.ExitStatus;
import io.berth.shim.api.Status;
import io.berth.shim.client.ShimClient;
import io.berth.shim.client.ShimGoneException;
import io.berth.shim.client.ShimHosts;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.logging.Logger;

/**
 * The container shims berthd talks to, by container id, and the watch on each running container's exit.
 * Exits arrive from the shim hosts (one event stream per host, see {@link ShimHosts}); the handler records
 * them. No thread waits per container.
 */
public final class ShimRegistry {
    private static final Logger LOG = Logger.getLogger(ShimRegistry.class.getName());

    private final Map<String, ShimClient> shims = new ConcurrentHashMap<>();
    /** Watched containers by run dir, which is how hosts name them. */
    private final Map<Path, String> watched = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<ExitStatus>> exits = new ConcurrentHashMap<>();
    private final BiConsumer<String, Exit> onExit;
    private ShimHosts hosts;

    /** How a watched container ended: the shim's exit status, or why berth could not learn it. */
    public record Exit(Optional<ExitStatus> status, String lostReason) {}

    public ShimRegistry(BiConsumer<String, Exit> onExit) {
        this.onExit = onExit;
    }

    /** The hosts, once they exist: they deliver exits here, so they are made after the registry. */
    void useHosts(ShimHosts shimHosts) {
        this.hosts = shimHosts;
    }

    /** What the hosts call with each exit; run dirs nobody watches (a pod's init) are ignored. */
    void exited(Path runDir, ExitStatus exit) {
        String containerId = watched.get(runDir);
        if (containerId != null) {
            deliver(containerId, new Exit(Optional.of(exit), exit.getMessage()));
        }
    }

    public void put(String containerId, ShimClient shim) {
        shims.put(containerId, shim);
    }

    public Optional<ShimClient> get(String containerId) {
        return Optional.ofNullable(shims.get(containerId));
    }

    /** Reattaches to the shim in {@code runDir} (after a daemon restart). */
    public ShimClient connect(String containerId, Path runDir) throws IOException {
        ShimClient shim = hosts.connect(runDir);
        shims.put(containerId, shim);
        return shim;
    }

    /** The container is gone from berthd: its watch ends and berthd lets go of its stdio. */
    public void forget(String containerId) {
        ShimClient shim = shims.remove(containerId);
        if (shim != null) {
            watched.remove(shim.runDir());
            hosts.release(shim.runDir());
        }
        CompletableFuture<ExitStatus> f = exits.remove(containerId);
        if (f != null) {
            f.cancel(false);
        }
    }

    /**
     * Watches for the container's exit. The exit may already have happened (before the watch, or while
     * berthd was down), so the shim's state is asked once after the watch is in place. Watching twice is
     * harmless.
     */
    public void watch(String containerId) {
        ShimClient shim = shims.get(containerId);
        if (shim == null || exits.putIfAbsent(containerId, new CompletableFuture<>()) != null) {
            return;
        }
        watched.put(shim.runDir(), containerId);
        try {
            io.berth.shim.api.State state = shim.state();
            if (state.getStatus() == Status.STATUS_STOPPED) {
                deliver(containerId, new Exit(Optional.of(state.getExit()), state.getExit().getMessage()));
            }
        } catch (ShimGoneException e) {
            deliver(containerId, new Exit(e.recordedExit(), "the shim of the container died: " + e.getMessage()));
        } catch (RuntimeException e) {
            LOG.warning("no state for container " + containerId + " as its watch began: " + e.getMessage());
        }
    }

    private void deliver(String containerId, Exit exit) {
        try {
            onExit.accept(containerId, exit);
        } catch (RuntimeException e) {
            LOG.warning("recording the exit of container " + containerId + " failed: " + e.getMessage());
        }
        CompletableFuture<ExitStatus> f = exits.get(containerId);
        if (f != null) {
            f.complete(exit.status().orElse(null));
        }
    }

    /** Waits for a watched container to exit; false if it did not within {@code timeout}. */
    public boolean awaitExit(String containerId, Duration timeout) throws InterruptedException {
        CompletableFuture<ExitStatus> f = exits.get(containerId);
        if (f == null) {
            return true;
        }
        try {
            f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException | java.util.concurrent.CancellationException e) {
            return true;
        }
    }

    /** Live shims, for metrics. */
    public int size() {
        return shims.size();
    }
}

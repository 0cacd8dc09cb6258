package io.berth.server.container;

import io.berth.shim.api.ExitStatus;
import io.berth.shim.client.ShimClient;
import io.berth.shim.client.ShimGoneException;
import java.io.IOException;
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
 * The shims berthd talks to, one per container, and the watch on each running container's exit. When a
 * container exits, the handler records it; a shim that dies without telling is an exit too.
 */
public final class ShimRegistry {
    private static final Logger LOG = Logger.getLogger(ShimRegistry.class.getName());

    private final Map<String, ShimClient> shims = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<ExitStatus>> exits = new ConcurrentHashMap<>();
    private final BiConsumer<String, Exit> onExit;

    /** How a watched container ended: the shim's exit status, or why berth could not learn it. */
    public record Exit(Optional<ExitStatus> status, String lostReason) {}

    public ShimRegistry(BiConsumer<String, Exit> onExit) {
        this.onExit = onExit;
    }

    public void put(String containerId, ShimClient shim) {
        shims.put(containerId, shim);
    }

    public Optional<ShimClient> get(String containerId) {
        return Optional.ofNullable(shims.get(containerId));
    }

    /** Reattaches to the shim in {@code runDir} (after a daemon restart). */
    public ShimClient connect(String containerId, java.nio.file.Path runDir) throws IOException {
        ShimClient shim = ShimClient.connect(runDir);
        shims.put(containerId, shim);
        return shim;
    }

    public void forget(String containerId) {
        shims.remove(containerId);
        CompletableFuture<ExitStatus> f = exits.remove(containerId);
        if (f != null) {
            f.cancel(false);
        }
    }

    /**
     * Starts watching for the container's exit on a thread of its own: the shim call blocks until the
     * container ends. Watching twice is harmless.
     */
    public void watch(String containerId) {
        ShimClient shim = shims.get(containerId);
        if (shim == null) {
            return;
        }
        CompletableFuture<ExitStatus> future = new CompletableFuture<>();
        if (exits.putIfAbsent(containerId, future) != null) {
            return;
        }
        Thread t = new Thread(null, () -> {
            Exit exit;
            try {
                exit = new Exit(Optional.of(shim.awaitExit()), "");
            } catch (ShimGoneException e) {
                exit = new Exit(e.recordedExit(), "the shim of the container died: " + e.getMessage());
            } catch (RuntimeException e) {
                exit = new Exit(Optional.empty(), "lost contact with the shim: " + e.getMessage());
            }
            try {
                onExit.accept(containerId, exit);
            } catch (RuntimeException e) {
                LOG.warning("recording the exit of container " + containerId + " failed: " + e.getMessage());
            }
            future.complete(exit.status().orElse(null));
        }, "exit-" + containerId.substring(0, Math.min(12, containerId.length())), 256 * 1024);
        t.setDaemon(true);
        t.start();
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

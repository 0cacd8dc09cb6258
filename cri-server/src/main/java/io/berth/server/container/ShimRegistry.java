package io.berth.server.container;

import io.berth.shim.client.ShimClient;
import io.berth.shim.client.ShimHosts;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The container shims berthd talks to, by container id, reached through their shim hosts. Exits arrive from the
 * hosts (one event stream per host, see {@link ShimHosts}) at {@link ContainerExits}, which this registry tells
 * what to watch.
 */
public final class ShimRegistry {
    private final Map<String, ShimClient> shims = new ConcurrentHashMap<>();
    private final ShimHosts hosts;
    private final ContainerExits exits;

    public ShimRegistry(ShimHosts hosts, ContainerExits exits) {
        this.hosts = hosts;
        this.exits = exits;
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
        exits.forget(containerId);
        ShimClient shim = shims.remove(containerId);
        if (shim != null) {
            hosts.release(shim.runDir());
        }
    }

    /** Watches for the container's exit (see {@link ContainerExits#watch}); a container with no shim has none. */
    public void watch(String containerId) {
        ShimClient shim = shims.get(containerId);
        if (shim != null) {
            exits.watch(containerId, shim);
        }
    }

    /** Waits for a watched container to exit; false if it did not within {@code timeout}. */
    public boolean awaitExit(String containerId, Duration timeout) throws InterruptedException {
        return exits.awaitExit(containerId, timeout);
    }

    /** Live shims, for metrics. */
    public int size() {
        return shims.size();
    }
}

package io.berth.server.stats;

import io.berth.server.container.ContainerStore;
import io.berth.server.sandbox.SandboxStore;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The periodic work that keeps stats calls cheap: walks every container's writable layer into the cache, and
 * drops what the caches hold for containers and pods that are gone. One daemon thread, so a slow disk walk
 * delays the next refresh rather than piling up.
 */
final class StatsHousekeeping implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(StatsHousekeeping.class.getName());

    private final ContainerStore containers;
    private final SandboxStore sandboxes;
    private final WritableLayerUsage layers;
    private final ContainerCgroups located;
    private final CpuUsageSampler sampler;
    private ScheduledExecutorService timer;

    StatsHousekeeping(ContainerStore containers, SandboxStore sandboxes, WritableLayerUsage layers,
            ContainerCgroups located, CpuUsageSampler sampler) {
        this.containers = containers;
        this.sandboxes = sandboxes;
        this.layers = layers;
        this.located = located;
        this.sampler = sampler;
    }

    synchronized void start(Duration period) {
        if (timer != null) {
            throw new IllegalStateException("stats housekeeping already started");
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stats-housekeeping");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::runOnce, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One round; also what tests call instead of waiting for the timer. */
    void runOnce() {
        try {
            List<ContainerStore.Container> live = List.copyOf(containers.list());
            layers.refresh(live.stream().map(c -> c.metadata().snapshotKey()).toList());
            Set<String> ids = new HashSet<>();
            live.forEach(c -> ids.add(c.id()));
            located.retainOnly(ids);
            sandboxes.list().forEach(s -> ids.add(s.id()));
            sampler.retainOnly(ids);
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again; log and keep the next round.
            LOG.log(Level.WARNING, "stats housekeeping failed", e);
        }
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}

package io.berth.server.metrics;

import com.codahale.metrics.Counter;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The registration API for the parts of berthd that own the numbers: the stores hand in live counts once at
 * start, the shim launcher and the image puller report each event as it happens.
 */
public final class DaemonMetrics {
    private final MetricsCatalog catalog;
    private final DurationSummary shimStarts;
    private final DurationSummary pullDurations;
    private final Counter pullBytes;
    private final Counter pullFailures;

    public DaemonMetrics(MetricsCatalog catalog) {
        this.catalog = catalog;
        this.shimStarts = catalog.durations("berth_shim_start_duration_seconds",
                "Time from launching a shim to its socket answering", Labels.NONE);
        this.pullDurations = catalog.durations("berth_image_pull_duration_seconds",
                "Time taken by successful image pulls, resolve to unpacked", Labels.NONE);
        this.pullBytes = catalog.counter("berth_image_pull_bytes_total",
                "Bytes downloaded from registries by image pulls", Labels.NONE);
        this.pullFailures = catalog.counter("berth_image_pull_failures_total",
                "Image pulls that failed", Labels.NONE);
    }

    /** Pod sandboxes berthd knows, in any state; {@code live} is read at every scrape, so keep it cheap. */
    public void countSandboxes(LongSupplier live) {
        catalog.gauge("berth_sandboxes", "Pod sandboxes berthd knows, in any state", Labels.NONE,
                () -> live.getAsLong());
    }

    /** Containers berthd knows, in any state. */
    public void countContainers(LongSupplier live) {
        catalog.gauge("berth_containers", "Containers berthd knows, in any state", Labels.NONE,
                () -> live.getAsLong());
    }

    /** Shim processes berthd is connected to (including a warm spare). */
    public void countShims(LongSupplier live) {
        catalog.gauge("berth_shims", "Shim processes berthd is connected to, including a warm spare", Labels.NONE,
                () -> live.getAsLong());
    }

    public void shimStarted(Duration took) {
        shimStarts.record(took);
    }

    /** A pull that completed; {@code downloadedBytes} counts only what came over the network. */
    public void imagePulled(long downloadedBytes, Duration took) {
        pullBytes.inc(downloadedBytes);
        pullDurations.record(took);
    }

    /** A pull that failed; the bytes it downloaded before failing still count. */
    public void imagePullFailed(long downloadedBytes) {
        pullBytes.inc(downloadedBytes);
        pullFailures.inc();
    }
}

package io.berth.server.metrics;

import com.codahale.metrics.Counter;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The registration API for the parts of berthd that own the numbers: the stores hand in live counts once at
 * start, the shim launcher and the image puller report each event as it happens.
 */
public final class DaemonMetrics {
    private static final String LAYER_BYTES = "berth_image_pull_layer_bytes";

    private final MetricsCatalog catalog;
    private final DurationSummary shimStarts;
    private final DurationSummary pullDurations;
    private final Counter pullBytes;
    private final Counter pullFailures;
    /** Bytes done per layer of each running pull, by its labels; a series lives as long as its pull. */
    private final Map<Labels, AtomicLong> layerBytes = new ConcurrentHashMap<>();

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

    /**
     * {@code done} bytes of layer {@code layer} of the running pull of {@code image} are in, shown as
     * {@code berth_image_pull_layer_bytes{image,layer}} until the pull ends: a stuck pull shows which layer.
     */
    public void imagePullLayerBytes(String image, String layer, long done) {
        Labels labels = Labels.of("image", image, "layer", layer);
        AtomicLong bytes = layerBytes.get(labels);
        if (bytes == null) {
            AtomicLong fresh = new AtomicLong();
            bytes = layerBytes.putIfAbsent(labels, fresh);
            if (bytes == null) {
                bytes = fresh;
                catalog.gauge(LAYER_BYTES, "Bytes of each layer of a running image pull downloaded and unpacked so"
                        + " far (one pass); gone when the pull ends", labels, fresh::get);
            }
        }
        bytes.set(done);
    }

    /** The pull of {@code image} ended: its layers' series go. */
    public void imagePullEnded(String image, Collection<String> layers) {
        for (String layer : layers) {
            Labels labels = Labels.of("image", image, "layer", layer);
            if (layerBytes.remove(labels) != null) {
                catalog.remove(LAYER_BYTES, labels);
            }
        }
    }

    /** A pull that failed; the bytes it downloaded before failing still count. */
    public void imagePullFailed(long downloadedBytes) {
        pullBytes.inc(downloadedBytes);
        pullFailures.inc();
    }
}

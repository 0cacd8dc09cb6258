package io.berth.server.config;

import io.berth.snapshotter.apply.LayerLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The {@code [image]} section: how images are pulled and stored.
 *
 * @param snapshotter            {@code auto} (overlayfs where it works, else native), {@code overlayfs}, {@code native}
 * @param maxConcurrentDownloads layers of one pull downloaded in parallel
 * @param stallTimeout           a download that receives no byte for this long is cancelled
 * @param registryConfigDir      where {@code certs.d/<host>/hosts.toml} files are read
 * @param layerLimits            {@code layer_max_*}: what one layer may hold before its pull fails
 */
public record ImageSettings(String snapshotter, int maxConcurrentDownloads, Duration stallTimeout,
        Path registryConfigDir, LayerLimits layerLimits) {
    public static final String DEFAULT_SNAPSHOTTER = "auto";
    public static final int DEFAULT_MAX_CONCURRENT_DOWNLOADS = 3;
    public static final int DEFAULT_STALL_TIMEOUT_SECONDS = 300;
    public static final Path DEFAULT_REGISTRY_CONFIG_DIR = Path.of("/etc/berth");

    public ImageSettings {
        Objects.requireNonNull(layerLimits);
    }

    /** With the default layer limits. */
    public ImageSettings(String snapshotter, int maxConcurrentDownloads, Duration stallTimeout,
            Path registryConfigDir) {
        this(snapshotter, maxConcurrentDownloads, stallTimeout, registryConfigDir, LayerLimits.DEFAULTS);
    }

    public static ImageSettings defaults() {
        return new ImageSettings(DEFAULT_SNAPSHOTTER, DEFAULT_MAX_CONCURRENT_DOWNLOADS,
                Duration.ofSeconds(DEFAULT_STALL_TIMEOUT_SECONDS), DEFAULT_REGISTRY_CONFIG_DIR);
    }
}

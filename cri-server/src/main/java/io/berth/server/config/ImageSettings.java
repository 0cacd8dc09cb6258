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
 * @param minDownloadRate        {@code min_download_rate_bytes_per_second}: a download averaging less than this
 *                               over 30 s is cancelled (0: off). 1 KiB/s by default, far below any real link,
 *                               so that only a registry trickling bytes to keep a download alive trips it
 * @param maxDownloadsPerDaemon  {@code max_concurrent_downloads_per_daemon}: layers downloaded at once by all pulls
 *                               together, so that many pulls at once do not open a connection per layer each
 */
public record ImageSettings(String snapshotter, int maxConcurrentDownloads, Duration stallTimeout,
        Path registryConfigDir, LayerLimits layerLimits, long minDownloadRate, int maxDownloadsPerDaemon) {
    public static final String DEFAULT_SNAPSHOTTER = "auto";
    public static final int DEFAULT_MAX_CONCURRENT_DOWNLOADS = 3;
    public static final int DEFAULT_STALL_TIMEOUT_SECONDS = 300;
    public static final Path DEFAULT_REGISTRY_CONFIG_DIR = Path.of("/etc/berth");
    public static final long DEFAULT_MIN_DOWNLOAD_RATE = 1024;
    /** Two pulls at full speed: more only share the same link and disk. */
    public static final int DEFAULT_MAX_DOWNLOADS_PER_DAEMON = 6;
    /** Above 1 GiB/s no registry could meet the floor; a value that high is a typo. */
    public static final long MAX_MIN_DOWNLOAD_RATE = 1L << 30;

    public ImageSettings {
        Objects.requireNonNull(layerLimits);
        if (minDownloadRate < 0 || minDownloadRate > MAX_MIN_DOWNLOAD_RATE) {
            throw new IllegalArgumentException("minimum download rate out of range: " + minDownloadRate);
        }
        if (maxConcurrentDownloads < 1 || maxDownloadsPerDaemon < 1) {
            throw new IllegalArgumentException("concurrent downloads must be at least 1");
        }
    }

    /** With the default downloads per daemon. */
    public ImageSettings(String snapshotter, int maxConcurrentDownloads, Duration stallTimeout,
            Path registryConfigDir, LayerLimits layerLimits, long minDownloadRate) {
        this(snapshotter, maxConcurrentDownloads, stallTimeout, registryConfigDir, layerLimits, minDownloadRate,
                DEFAULT_MAX_DOWNLOADS_PER_DAEMON);
    }

    /** With the default minimum download rate. */
    public ImageSettings(String snapshotter, int maxConcurrentDownloads, Duration stallTimeout,
            Path registryConfigDir, LayerLimits layerLimits) {
        this(snapshotter, maxConcurrentDownloads, stallTimeout, registryConfigDir, layerLimits,
                DEFAULT_MIN_DOWNLOAD_RATE);
    }

    /** With the default layer limits and minimum download rate. */
    public ImageSettings(String snapshotter, int maxConcurrentDownloads, Duration stallTimeout,
            Path registryConfigDir) {
        this(snapshotter, maxConcurrentDownloads, stallTimeout, registryConfigDir, LayerLimits.DEFAULTS);
    }

    public static ImageSettings defaults() {
        return new ImageSettings(DEFAULT_SNAPSHOTTER, DEFAULT_MAX_CONCURRENT_DOWNLOADS,
                Duration.ofSeconds(DEFAULT_STALL_TIMEOUT_SECONDS), DEFAULT_REGISTRY_CONFIG_DIR);
    }

    public ImageSettings withMinDownloadRate(long bytesPerSecond) {
        return new ImageSettings(snapshotter, maxConcurrentDownloads, stallTimeout, registryConfigDir, layerLimits,
                bytesPerSecond, maxDownloadsPerDaemon);
    }

    public ImageSettings withMaxDownloadsPerDaemon(int downloads) {
        return new ImageSettings(snapshotter, maxConcurrentDownloads, stallTimeout, registryConfigDir, layerLimits,
                minDownloadRate, downloads);
    }
}

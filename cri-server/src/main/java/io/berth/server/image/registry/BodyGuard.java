package io.berth.server.image.registry;

import io.berth.common.error.DeadlineExceededException;
import java.time.Duration;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * The two rules a response body is held to while its reader waits: no silence longer than the stall timeout,
 * and no average below the {@link MinimumRate} over its window. A response's head and its {@link SocketBody} ask
 * it how long they may wait and tell it what arrived; it throws the error that ends the download. One reader
 * uses it.
 */
final class BodyGuard {
    private final Duration stallTimeout;
    private final MinimumRate minimumRate;
    private final MinimumRate.Meter meter;
    private final String what;
    private long lastDataNanos;

    /** {@code what} names the transfer and its host in messages ("blob sha256:... of image x from host"). */
    BodyGuard(Duration stallTimeout, MinimumRate minimumRate, String what) {
        this.stallTimeout = stallTimeout;
        this.minimumRate = minimumRate;
        this.what = what;
        this.lastDataNanos = System.nanoTime();
        this.meter = minimumRate.start(lastDataNanos);
    }

    String what() {
        return what;
    }

    /**
     * How long the reader may wait for data now: until the stall timeout, or until the rate should be judged
     * again, whichever is sooner. Throws when the stall timeout has passed already.
     */
    long waitNanos(long nowNanos) {
        long stallLeft = stallTimeout.toNanos() - (nowNanos - lastDataNanos);
        if (stallLeft <= 0) {
            throw new DeadlineExceededException(what + " stalled: no data for " + describe(stallTimeout)
                    + "; the download was cancelled");
        }
        return Math.min(stallLeft, meter.checkIntervalNanos());
    }

    /** Records {@code bytes} arriving now (0 after a wait that brought nothing) and judges the rate. */
    void arrived(long nowNanos, long bytes) {
        if (bytes > 0) {
            lastDataNanos = nowNanos;
            meter.record(nowNanos, bytes);
        }
        OptionalDouble rate = meter.belowFloor(nowNanos);
        if (rate.isPresent()) {
            throw new DeadlineExceededException(what + " is too slow: " + formatRate(rate.getAsDouble())
                    + " averaged over the last " + describe(minimumRate.window()) + ", below the minimum of "
                    + minimumRate.bytesPerSecond() + " B/s (image.min_download_rate_bytes_per_second);"
                    + " the download was cancelled");
        }
    }

    private static String formatRate(double bytesPerSecond) {
        return bytesPerSecond >= 10 || bytesPerSecond == 0
                ? Math.round(bytesPerSecond) + " B/s"
                : String.format(Locale.ROOT, "%.1f B/s", bytesPerSecond);
    }

    static String describe(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}

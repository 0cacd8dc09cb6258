package io.berth.server.metrics;

import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Durations of something that happens repeatedly, exposed as a Prometheus summary in seconds. The Dropwizard
 * timer gives the count and recent quantiles (its reservoir favours the last five minutes); it keeps no total,
 * which a summary's {@code _sum} needs, so that is added here.
 */
public final class DurationSummary {
    private final Timer timer = new Timer();
    private final LongAdder sumNanos = new LongAdder();

    public void record(long nanos) {
        long n = Math.max(0, nanos);
        timer.update(n, TimeUnit.NANOSECONDS);
        sumNanos.add(n);
    }

    public void record(Duration duration) {
        record(duration.toNanos());
    }

    public long count() {
        return timer.getCount();
    }

    public double sumSeconds() {
        return sumNanos.sum() / 1e9;
    }

    Snapshot snapshot() {
        return timer.getSnapshot();
    }

    Timer timer() {
        return timer;
    }
}

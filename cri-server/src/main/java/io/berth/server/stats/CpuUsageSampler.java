package io.berth.server.stats;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Turns cumulative CPU time into {@code usage_nano_cores} (CPU nanoseconds per wall-clock second): keeps the
 * last sample per container or pod id and divides the CPU time used since then by the time elapsed.
 *
 * <p>Samples closer together than {@code minWindow} do not replace the kept one and get the rate computed last:
 * kubelet, crictl and metrics scrapes interleave, and a rate over a few milliseconds is mostly noise.
 */
public final class CpuUsageSampler {
    public static final Duration DEFAULT_MIN_WINDOW = Duration.ofSeconds(1);

    private record Sample(long usageNanos, long atNanos, OptionalLong nanoCores) {}

    private final Map<String, Sample> last = new ConcurrentHashMap<>();
    private final LongSupplier monotonicNanos;
    private final long minWindowNanos;

    /** @param monotonicNanos a monotonic clock in nanoseconds ({@code System::nanoTime} in berthd) */
    public CpuUsageSampler(LongSupplier monotonicNanos, Duration minWindow) {
        this.monotonicNanos = monotonicNanos;
        this.minWindowNanos = minWindow.toNanos();
    }

    public CpuUsageSampler() {
        this(System::nanoTime, DEFAULT_MIN_WINDOW);
    }

    /**
     * Records the cumulative CPU time of {@code id} now and returns its rate since the kept sample, or empty for
     * the first sample of an id, and after the counter went backwards (the cgroup was recreated).
     */
    public OptionalLong sample(String id, long usageNanos) {
        long now = monotonicNanos.getAsLong();
        return last.compute(id, (key, previous) -> next(previous, usageNanos, now)).nanoCores();
    }

    private Sample next(Sample previous, long usageNanos, long now) {
        if (previous == null || usageNanos < previous.usageNanos()) {
            return new Sample(usageNanos, now, OptionalLong.empty());
        }
        long elapsed = now - previous.atNanos();
        if (elapsed < minWindowNanos || elapsed <= 0) {
            return previous;
        }
        // Doubles: (usage delta × 1e9) overflows a long after ~9 s of one core.
        double rate = (double) (usageNanos - previous.usageNanos()) * 1e9 / elapsed;
        return new Sample(usageNanos, now, OptionalLong.of(Math.round(rate)));
    }

    /** The last rate computed for {@code id}, without taking a sample (e.g. for a stopped container). */
    public OptionalLong lastRate(String id) {
        Sample s = last.get(id);
        return s == null ? OptionalLong.empty() : s.nanoCores();
    }

    /** Drops the samples of a removed container or pod. */
    public void forget(String id) {
        last.remove(id);
    }

    /** Drops every sample whose id is not in {@code live}; for a periodic sweep against the stores. */
    public void retainOnly(Set<String> live) {
        last.keySet().retainAll(live);
    }
}

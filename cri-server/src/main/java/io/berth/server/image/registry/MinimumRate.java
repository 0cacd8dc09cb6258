package io.berth.server.image.registry;

import io.berth.common.error.InvalidArgumentException;
import java.time.Duration;
import java.util.Arrays;
import java.util.OptionalDouble;

/**
 * The slowest a response body may be: averaged over any {@code window} of its transfer, it must bring at
 * least {@code bytesPerSecond}. The stall timeout alone lets a server keep a download (and every pull
 * sharing it) alive forever by sending one byte per interval; this rule ends such a trickle.
 *
 * <p>The default floor, 1 KiB/s over 30 s, is some three orders of magnitude below any link a node pulls
 * images over (a 1 MB layer would take 17 minutes), so it only ends downloads that are not getting
 * anywhere, while 30 s smooths over TCP loss recovery and short pauses. Silence counts as zero: with the
 * rule on, a body that sends nothing for a whole window is below the floor too (the stall timeout still
 * bounds the wait for response headers, and for bodies when the rule is off).
 *
 * @param bytesPerSecond the floor; 0 turns the rule off
 * @param window         the span the average is taken over; nothing is judged before a body is this old
 */
public record MinimumRate(long bytesPerSecond, Duration window) {
    public static final long DEFAULT_BYTES_PER_SECOND = 1024;
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(30);
    public static final MinimumRate OFF = new MinimumRate(0, DEFAULT_WINDOW);
    public static final MinimumRate DEFAULT = new MinimumRate(DEFAULT_BYTES_PER_SECOND, DEFAULT_WINDOW);
    /** The window is kept as this many slots of window/SLOTS each, however many chunks arrive. */
    static final int SLOTS = 10;

    public MinimumRate {
        if (bytesPerSecond < 0) {
            throw new InvalidArgumentException("minimum download rate must be 0 (off) or positive, not " + bytesPerSecond);
        }
        if (window == null || window.toMillis() < SLOTS) {
            throw new InvalidArgumentException("minimum download rate window must be at least " + SLOTS + " ms, not "
                    + window);
        }
    }

    public boolean enabled() {
        return bytesPerSecond > 0;
    }

    /** A fresh meter for one body, starting now. */
    Meter start(long nowNanos) {
        return new Meter(this, nowNanos);
    }

    /**
     * Bytes received per slot for the last SLOTS + 1 slots: a fixed 11 longs per body, whatever the
     * server sends. Not thread-safe; one reader uses it.
     */
    static final class Meter {
        private final MinimumRate rule;
        private final long slotNanos;
        private final long windowNanos;
        private final long startNanos;
        private final long[] slots = new long[SLOTS + 1];
        private long currentSlot;
        private long sum;

        private Meter(MinimumRate rule, long startNanos) {
            this.rule = rule;
            this.slotNanos = rule.window.toNanos() / SLOTS;
            this.windowNanos = slotNanos * SLOTS;
            this.startNanos = startNanos;
        }

        void record(long nowNanos, long bytes) {
            advance(nowNanos);
            slots[(int) (currentSlot % slots.length)] += bytes;
            sum += bytes;
        }

        /**
         * The average rate over the last window (a little more than the window, by up to one slot) when it is
         * below the floor; empty when it is not, when the rule is off, or when the body is younger than the window.
         */
        OptionalDouble belowFloor(long nowNanos) {
            if (!rule.enabled() || nowNanos - startNanos < windowNanos) {
                return OptionalDouble.empty();
            }
            advance(nowNanos);
            long oldest = Math.max(0, currentSlot - SLOTS);
            long spanNanos = nowNanos - (startNanos + oldest * slotNanos);
            double rate = sum * 1e9 / spanNanos;
            return rate < rule.bytesPerSecond ? OptionalDouble.of(rate) : OptionalDouble.empty();
        }

        /** How long a reader waiting for data may sleep before the rule should be checked again. */
        long checkIntervalNanos() {
            return rule.enabled() ? slotNanos : Long.MAX_VALUE;
        }

        private void advance(long nowNanos) {
            long slot = Math.max(0, nowNanos - startNanos) / slotNanos;
            if (slot <= currentSlot) {
                return;
            }
            if (slot - currentSlot >= slots.length) {
                Arrays.fill(slots, 0);
                sum = 0;
            } else {
                for (long s = currentSlot + 1; s <= slot; s++) {
                    int i = (int) (s % slots.length);
                    sum -= slots[i];
                    slots[i] = 0;
                }
            }
            currentSlot = slot;
        }
    }
}

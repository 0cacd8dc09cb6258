package io.berth.common.time;

import java.time.Clock;
import java.time.Instant;

/** Times as the CRI carries them: nanoseconds since the Unix epoch, in a {@code int64}. */
public final class UnixNanos {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private UnixNanos() {}

    /** The clock's current time, as precise as the clock is (the system clock gives microseconds). */
    public static long now(Clock clock) {
        return of(clock.instant());
    }

    public static long of(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), NANOS_PER_SECOND), instant.getNano());
    }
}

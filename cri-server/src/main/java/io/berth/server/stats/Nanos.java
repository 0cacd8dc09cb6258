package io.berth.server.stats;

import java.time.Clock;
import java.time.Instant;

/** CRI stats timestamps: nanoseconds since the epoch, at the clock's full precision. */
final class Nanos {
    private Nanos() {}

    static long now(Clock clock) {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}

package io.berth.server.image.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.InvalidArgumentException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MinimumRateTest {
    private static final long SECOND = 1_000_000_000L;
    private static final MinimumRate KIB_PER_SECOND = new MinimumRate(1024, Duration.ofSeconds(30));

    @Test
    void aTrickleIsBelowTheFloorOnceTheWindowHasPassed() {
        MinimumRate.Meter meter = KIB_PER_SECOND.start(0);
        long t = 0;
        for (; t < 30 * SECOND; t += SECOND / 10) {
            meter.record(t, 1);
            assertThat(meter.belowFloor(t)).as("nothing is judged before the window has passed").isEmpty();
        }
        meter.record(t, 1);
        assertThat(meter.belowFloor(t)).hasValueCloseTo(10.0, org.assertj.core.data.Offset.offset(1.0));
    }

    @Test
    void aSteadyDownloadAboveTheFloorIsNeverBelowIt() {
        MinimumRate.Meter meter = KIB_PER_SECOND.start(0);
        for (long t = 0; t < 600 * SECOND; t += SECOND / 100) {
            meter.record(t, 11); // 1100 B/s, in many small chunks
            assertThat(meter.belowFloor(t)).isEmpty();
        }
    }

    @Test
    void onlyTheLastWindowCounts() {
        MinimumRate.Meter meter = KIB_PER_SECOND.start(0);
        meter.record(SECOND, 100L << 20); // a fast start does not pay for a trickle later
        for (long t = 2 * SECOND; t <= 60 * SECOND; t += SECOND) {
            meter.record(t, 10);
        }
        assertThat(meter.belowFloor(60 * SECOND)).isPresent();
    }

    @Test
    void silenceForAWholeWindowIsBelowTheFloorAndTheRuleCanBeOff() {
        MinimumRate.Meter meter = KIB_PER_SECOND.start(0);
        meter.record(SECOND, 1L << 20);
        assertThat(meter.belowFloor(29 * SECOND)).isEmpty();
        assertThat(meter.belowFloor(200 * SECOND)).hasValue(0.0);

        MinimumRate.Meter off = MinimumRate.OFF.start(0);
        assertThat(off.belowFloor(3600 * SECOND)).isEmpty();
        assertThat(off.checkIntervalNanos()).isEqualTo(Long.MAX_VALUE);
        assertThat(meter.checkIntervalNanos()).isEqualTo(3 * SECOND);
    }

    @Test
    void refusesNegativeFloorsAndTinyWindows() {
        assertThatThrownBy(() -> new MinimumRate(-1, Duration.ofSeconds(30))).isInstanceOf(InvalidArgumentException.class);
        assertThatThrownBy(() -> new MinimumRate(1, Duration.ofMillis(1))).isInstanceOf(InvalidArgumentException.class);
    }
}

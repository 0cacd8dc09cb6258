package io.berth.common.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class UnixNanosTest {
    @Test
    void keepsEveryDigitTheClockHas() {
        Instant at = Instant.ofEpochSecond(1_700_000_000L, 123_456_789L);
        assertThat(UnixNanos.now(Clock.fixed(at, ZoneOffset.UTC))).isEqualTo(1_700_000_000_123_456_789L);
        assertThat(UnixNanos.of(Instant.EPOCH)).isZero();
        assertThat(UnixNanos.of(Instant.ofEpochMilli(-1))).isEqualTo(-1_000_000L);
    }

    @Test
    void aTimeBeyondTheInt64RangeIsAnErrorNotAWrappedNumber() {
        assertThatThrownBy(() -> UnixNanos.of(Instant.ofEpochSecond(Long.MAX_VALUE / 1_000_000_000L + 1)))
                .isInstanceOf(ArithmeticException.class);
    }
}

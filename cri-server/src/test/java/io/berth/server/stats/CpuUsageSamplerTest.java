package io.berth.server.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CpuUsageSamplerTest {
    static final long SECOND = 1_000_000_000L;

    final AtomicLong clock = new AtomicLong(5 * SECOND);
    final CpuUsageSampler sampler = new CpuUsageSampler(clock::get, Duration.ofSeconds(1));

    @Test
    void theFirstSampleHasNoRate() {
        assertThat(sampler.sample("c1", 123)).isEmpty();
        assertThat(sampler.lastRate("c1")).isEmpty();
    }

    @Test
    void oneBusyCoreIsOneBillionNanoCores() {
        sampler.sample("c1", 10 * SECOND);
        clock.addAndGet(2 * SECOND);
        assertThat(sampler.sample("c1", 12 * SECOND)).hasValue(SECOND);
        clock.addAndGet(4 * SECOND);
        assertThat(sampler.sample("c1", 13 * SECOND)).as("a quarter core").hasValue(SECOND / 4);
        assertThat(sampler.lastRate("c1")).hasValue(SECOND / 4);
    }

    @Test
    void largeDeltasDoNotOverflow() {
        sampler.sample("c1", 0);
        clock.addAndGet(3600 * SECOND);
        assertThat(sampler.sample("c1", 64 * 3600 * SECOND)).as("64 cores for an hour").hasValue(64 * SECOND);
    }

    @Test
    void samplesInsideTheWindowKeepTheOldSampleAndRate() {
        sampler.sample("c1", 0);
        clock.addAndGet(2 * SECOND);
        assertThat(sampler.sample("c1", SECOND)).hasValue(SECOND / 2);
        clock.addAndGet(SECOND / 10);
        assertThat(sampler.sample("c1", SECOND + SECOND / 10)).as("too close: last rate").hasValue(SECOND / 2);
        clock.addAndGet(SECOND - SECOND / 10);
        // Measured from the kept sample (1s of CPU at t=2s), not from the skipped one.
        assertThat(sampler.sample("c1", 2 * SECOND)).hasValue(SECOND);
    }

    @Test
    void aCounterThatWentBackwardsStartsOver() {
        sampler.sample("c1", 50 * SECOND);
        clock.addAndGet(2 * SECOND);
        assertThat(sampler.sample("c1", SECOND)).isEmpty();
        clock.addAndGet(2 * SECOND);
        assertThat(sampler.sample("c1", 2 * SECOND)).hasValue(SECOND / 2);
    }

    @Test
    void idsAreIndependentAndCanBeForgotten() {
        sampler.sample("a", 0);
        sampler.sample("b", 0);
        clock.addAndGet(SECOND);
        assertThat(sampler.sample("a", SECOND)).hasValue(SECOND);
        assertThat(sampler.sample("b", SECOND / 2)).hasValue(SECOND / 2);
        sampler.forget("a");
        assertThat(sampler.lastRate("a")).isEmpty();
        sampler.retainOnly(Set.of("c"));
        assertThat(sampler.lastRate("b")).isEmpty();
    }
}

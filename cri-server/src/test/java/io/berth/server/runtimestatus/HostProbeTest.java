package io.berth.server.runtimestatus;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostProbeTest {
    private static final String LIMITS = """
            Limit                     Soft Limit           Hard Limit           Units
            Max cpu time              unlimited            unlimited            seconds
            Max stack size            %s              unlimited            bytes
            Max core file size        0                    unlimited            bytes
            """;

    @Test
    void theStackLimitIsTheSoftOneInBytesAndUnlimitedIsTheLargestLong() {
        assertThat(HostProbe.stackSoftLimit(LIMITS.formatted("8388608"))).isEqualTo(8_388_608L);
        assertThat(HostProbe.stackSoftLimit(LIMITS.formatted("unlimited"))).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void anUnreadableLimitsFileMeansTheKernelsDefault() {
        assertThat(HostProbe.stackSoftLimit("")).isEqualTo(8L * 1024 * 1024);
        assertThat(HostProbe.stackSoftLimit(LIMITS.formatted("lots"))).isEqualTo(8L * 1024 * 1024);
    }
}

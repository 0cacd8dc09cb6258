package io.berth.server.podnetwork;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.InvalidArgumentException;
import org.junit.jupiter.api.Test;
class PodCidrTest {
    private final PodCidr cidr = new PodCidr();

    @Test
    void keepsSingleAndDualStackCidrs() {
        cidr.update("10.88.0.0/16", "pod_cidr");
        assertThat(cidr.current()).containsExactly("10.88.0.0/16");
        cidr.update("10.88.0.0/16, fd00:10:88::/64", "pod_cidr");
        assertThat(cidr.current()).containsExactly("10.88.0.0/16", "fd00:10:88::/64");
        cidr.update("", "pod_cidr");
        assertThat(cidr.current()).isEmpty();
    }

    @Test
    void refusesWhatIsNotACidrAndKeepsTheOldValue() {
        cidr.update("10.1.0.0/24", "pod_cidr");
        for (String bad : new String[] {"10.1.0.0", "10.1.0.0/33", "fd00::/129", "10.1.0.0/x", "example.com/24",
                "10.1.0.0/24,nonsense"}) {
            assertThatThrownBy(() -> cidr.update(bad, "runtime_config.network_config.pod_cidr"))
                    .isInstanceOf(InvalidArgumentException.class)
                    .hasMessageStartingWith("runtime_config.network_config.pod_cidr '");
        }
        assertThat(cidr.current()).containsExactly("10.1.0.0/24");
    }
}

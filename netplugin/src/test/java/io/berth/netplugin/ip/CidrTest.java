package io.berth.netplugin.ip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.InvalidArgumentException;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {
    @Test
    void normalisesToTheNetworkAndCountsAddresses() {
        Cidr c = Cidr.parse("10.213.7.99/24", "subnet");
        assertThat(c).hasToString("10.213.7.0/24");
        assertThat(c.size()).isEqualTo(BigInteger.valueOf(256));
        assertThat(c.address(BigInteger.ONE).getHostAddress()).isEqualTo("10.213.7.1");
        assertThat(Cidr.parse("fd00:213::7/64", "s")).hasToString("fd00:213:0:0:0:0:0:0/64");
    }

    @Test
    void overlapAndContainment() {
        Cidr wide = Cidr.parse("10.213.0.0/16", "a");
        Cidr narrow = Cidr.parse("10.213.9.0/24", "b");
        assertThat(wide.overlaps(narrow)).isTrue();
        assertThat(narrow.overlaps(wide)).isTrue();
        assertThat(narrow.overlaps(Cidr.parse("10.213.10.0/24", "c"))).isFalse();
        assertThat(narrow.overlaps(Cidr.parse("fd00::/8", "d"))).isFalse();
        assertThat(narrow.contains(Cidr.parseAddress("10.213.9.200", "x"))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0/8", "example.com/8", "10.0.0.0/x",
            "1.2.3.4/8\n", "300.1.1.1/8", "::g/64", "fd00::/129"})
    void refusesWhatIsNotALiteralCidr(String text) {
        assertThatThrownBy(() -> Cidr.parse(text, "network.subnet"))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("network.subnet");
    }
}

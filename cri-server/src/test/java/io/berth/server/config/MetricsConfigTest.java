package io.berth.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class MetricsConfigTest {
    @Test
    void offByDefaultWithALoopbackAddressReady() {
        MetricsConfig m = ConfigLoader.parse("", "c.toml").metrics();
        assertThat(m.enabled()).isFalse();
        assertThat(m.address()).isEqualTo(new InetSocketAddress("127.0.0.1", 9180));
    }

    @Test
    void enabledAloneServesOnTheDefaultAddress() {
        MetricsConfig m = ConfigLoader.parse("[metrics]\nenabled = true\n", "c.toml").metrics();
        assertThat(m.enabled()).isTrue();
        assertThat(m.address().getPort()).isEqualTo(9180);
    }

    @Test
    void anAddressTurnsMetricsOnUnlessEnabledSaysOtherwise() {
        MetricsConfig on = ConfigLoader.parse("[metrics]\naddress = \"127.0.0.1:19180\"\n", "c.toml").metrics();
        assertThat(on.enabled()).isTrue();
        assertThat(on.address()).isEqualTo(new InetSocketAddress("127.0.0.1", 19180));
        MetricsConfig off = ConfigLoader.parse("[metrics]\nenabled = false\naddress = \"127.0.0.1:19180\"\n", "c.toml")
                .metrics();
        assertThat(off.enabled()).isFalse();
    }

    @Test
    void ipv6AndLocalhostAreAccepted() {
        assertThat(ConfigLoader.parse("[metrics]\naddress = \"[::1]:9180\"\n", "c.toml").metrics().address()
                .getAddress().isLoopbackAddress()).isTrue();
        assertThat(ConfigLoader.parse("[metrics]\naddress = \"localhost:9180\"\n", "c.toml").metrics().address()
                .getAddress().isLoopbackAddress()).isTrue();
    }

    @Test
    void badAddressesSayWhatIsWrong() {
        assertThatThrownBy(() -> ConfigLoader.parse("[metrics]\naddress = \"9180\"\n", "c.toml"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("config c.toml line 2: metrics.address must be host:port, not '9180'");
        assertThatThrownBy(() -> ConfigLoader.parse("[metrics]\naddress = \"127.0.0.1:0\"\n", "c.toml"))
                .hasMessageContaining("port must be 1-65535, not 0");
        assertThatThrownBy(() -> ConfigLoader.parse("[metrics]\naddress = \"127.0.0.1:http\"\n", "c.toml"))
                .hasMessageContaining("port must be a number");
        assertThatThrownBy(() -> ConfigLoader.parse("[metrics]\naddress = \"metrics.example.com:9180\"\n", "c.toml"))
                .hasMessageContaining("must be an IP address or localhost");
        assertThatThrownBy(() -> ConfigLoader.parse("[metrics]\naddress = \"999.1.1.1:9180\"\n", "c.toml"))
                .hasMessageContaining("must be an IP address or localhost");
        assertThatThrownBy(() -> ConfigLoader.parse("[metrics]\naddress = \"::1:9180\"\n", "c.toml"))
                .hasMessageContaining("in brackets");
    }

    @Test
    void unknownKeysAndWrongTypesInTheSectionAreErrors() {
        assertThatThrownBy(() -> ConfigLoader.parse("[metrics]\nport = 9180\n", "c.toml"))
                .isInstanceOf(ConfigException.class).hasMessage("config c.toml line 2: unknown key 'metrics.port'");
        assertThatThrownBy(() -> ConfigLoader.parse("[metrics]\nenabled = \"yes\"\n", "c.toml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("metrics.enabled");
    }

    @Test
    void flagsKeepTheMetricsSection() {
        BerthConfig c = ConfigLoader.parse("[metrics]\naddress = \"127.0.0.1:19180\"\n", "c.toml")
                .withPaths(java.nio.file.Path.of("/r"), java.nio.file.Path.of("/s"), java.nio.file.Path.of("/s/x.sock"))
                .withLogLevel("debug");
        assertThat(c.metrics().enabled()).isTrue();
        assertThat(c.metrics().address().getPort()).isEqualTo(19180);
    }
}

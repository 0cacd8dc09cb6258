package io.berth.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class StreamingConfigTest {
    @Test
    void defaultsAreLoopbackRandomPortPlainHttpAndKubeletsTimeouts() {
        StreamingConfig s = ConfigLoader.defaults().streaming();
        assertThat(s).isEqualTo(StreamingConfig.defaults());
        assertThat(s.address()).isEqualTo("127.0.0.1");
        assertThat(s.port()).isZero();
        assertThat(s.tls()).isFalse();
        assertThat(s.idleTimeout()).isEqualTo(Duration.ofHours(4));
        assertThat(s.streamCreationTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.tokenTtl()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void everyStreamingKeyIsRead() {
        StreamingConfig s = ConfigLoader.parse(String.join("\n",
                "[streaming]",
                "address = \"0.0.0.0\"",
                "port = 10010",
                "tls_cert_file = \"/etc/berth/stream.crt\"",
                "tls_key_file = \"/etc/berth/stream.key\"",
                "idle_timeout_seconds = 60",
                "stream_creation_timeout_seconds = 5",
                "token_ttl_seconds = 2"), "s.toml").streaming();
        assertThat(s).isEqualTo(new StreamingConfig("0.0.0.0", 10010, Path.of("/etc/berth/stream.crt"),
                Path.of("/etc/berth/stream.key"), Duration.ofSeconds(60), Duration.ofSeconds(5),
                Duration.ofSeconds(2)));
    }

    @Test
    void badStreamingValuesAreErrors() {
        assertThatThrownBy(() -> ConfigLoader.parse("[streaming]\nport = 70000", "s.toml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("streaming.port");
        assertThatThrownBy(() -> ConfigLoader.parse("[streaming]\naddress = \"localhost\"", "s.toml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("must be an IP address");
        assertThatThrownBy(() -> ConfigLoader.parse("[streaming]\ntls_cert_file = \"/a.crt\"", "s.toml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("set together");
        assertThatThrownBy(() -> ConfigLoader.parse("[streaming]\nidle_timeout_seconds = 0", "s.toml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("idle_timeout_seconds");
        assertThatThrownBy(() -> ConfigLoader.parse("[streaming]\ntoken_ttl_seconds = 0", "s.toml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("token_ttl_seconds must be between 1 and 600");
        assertThatThrownBy(() -> ConfigLoader.parse("[streaming]\ntoken_ttl_seconds = 601", "s.toml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("token_ttl_seconds");
        assertThatThrownBy(() -> ConfigLoader.parse("[streaming]\nprot = 1", "s.toml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown key 'streaming.prot'");
    }
}

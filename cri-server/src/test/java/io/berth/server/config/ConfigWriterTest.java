package io.berth.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConfigWriterTest {
    /** Every key away from its default, the optional ones set, and names and strings that need quoting. */
    private static final String EVERY_KEY_CHANGED = String.join("\n",
            "root = \"/srv/berth\"",
            "state = \"/run/b2\"",
            "socket = \"/run/b2/cri.sock\"",
            "log_level = \"debug\"",
            "shutdown_grace_seconds = 3",
            "cgroup_driver = \"systemd\"",
            "default_runtime = \"kata.v2\"",
            "[runtimes.\"kata.v2\"]",
            "binary = \"/opt/kata \\\"v2\\\"\\\\bin/kata\"",
            "[runtimes.crun]",
            "[network]",
            "plugin = \"cni\"",
            "bridge = \"cni0\"",
            "subnet = \"10.1.0.0/24\"",
            "ipv6_subnet = \"fd00:1::/64\"",
            "mtu = 1450",
            "allow_egress = true",
            "cni_conf_dir = \"/etc/cni/berth\"",
            "cni_bin_dirs = [\"/usr/libexec/cni\"]",
            "[metrics]",
            "enabled = true",
            "address = \"[::1]:19180\"",
            "[image]",
            "snapshotter = \"native\"",
            "max_concurrent_downloads = 5",
            "max_concurrent_downloads_per_daemon = 8",
            "stall_timeout_seconds = 7",
            "registry_config_dir = \"/srv/registries\"",
            "layer_max_entries = 5000",
            "layer_max_uncompressed_bytes = 10737418240",
            "layer_max_pax_bytes = 2097152",
            "layer_max_path_bytes = 1024",
            "min_download_rate_bytes_per_second = 0",
            "[streaming]",
            "address = \"0.0.0.0\"",
            "port = 10010",
            "tls_cert_file = \"/etc/berth/s.crt\"",
            "tls_key_file = \"/etc/berth/s.key\"",
            "idle_timeout_seconds = 60",
            "stream_creation_timeout_seconds = 5",
            "token_ttl_seconds = 2",
            "[shim]",
            "group = \"pod\"",
            "memory_limit_bytes = 0",
            "runtime_timeout_seconds = 5",
            "");

    @Test
    void theDefaultsWrittenOutLoadBackToTheDefaults() {
        String dumped = ConfigWriter.toToml(ConfigLoader.defaults());
        assertThat(ConfigLoader.check(dumped)).isEmpty();
        assertThat(ConfigLoader.parse(dumped, "dump")).isEqualTo(ConfigLoader.defaults());
    }

    @Test
    void aConfigWithEveryKeyChangedWrittenOutLoadsBackTheSame() {
        BerthConfig config = ConfigLoader.parse(EVERY_KEY_CHANGED, "every.toml");
        assertThat(config).isNotEqualTo(ConfigLoader.defaults());
        String dumped = ConfigWriter.toToml(config);
        assertThat(ConfigLoader.check(dumped)).isEmpty();
        assertThat(ConfigLoader.parse(dumped, "dump")).isEqualTo(config);
    }

    @Test
    void everyKeyIsWrittenSoThatTheDumpShowsEverythingBerthdUses() {
        assertThat(SchemaKeys.missingFrom(EVERY_KEY_CHANGED)).isEmpty();
        assertThat(SchemaKeys.missingFrom(ConfigWriter.toToml(ConfigLoader.parse(EVERY_KEY_CHANGED, "e.toml"))))
                .isEmpty();
    }

    @Test
    void sectionsAreTablesAndTheBuiltInHandlerIsShown() {
        String dumped = ConfigWriter.toToml(ConfigLoader.defaults());
        assertThat(dumped).contains("\nroot = \"/var/lib/berth\"\n", "\n[runtimes.runc]\nbinary = \"runc\"\n",
                "\n[network]\n", "cni_bin_dirs = [\"/opt/cni/bin\", \"/usr/lib/cni\"]\n",
                "\n[metrics]\nenabled = false\naddress = \"127.0.0.1:9180\"\n")
                .doesNotContain("[runtimes]\n", "ipv6_subnet", "tls_cert_file");
    }
}

package io.berth.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void anEmptyFileGivesEveryDefault() {
        BerthConfig c = ConfigLoader.parse("", "empty.toml");
        assertThat(c).isEqualTo(ConfigLoader.defaults());
        assertThat(c.root()).isEqualTo(Path.of("/var/lib/berth"));
        assertThat(c.state()).isEqualTo(Path.of("/run/berth"));
        assertThat(c.socket()).isEqualTo(Path.of("/run/berth/berth.sock"));
        assertThat(c.logLevel()).isEqualTo("info");
        assertThat(c.shutdownGraceSeconds()).isEqualTo(10);
        assertThat(c.cgroupDriver()).isEqualTo(CgroupDriver.CGROUPFS);
        assertThat(c.defaultHandler()).isEqualTo(new RuntimeHandlerConfig("runc", "runc"));
    }

    @Test
    void everyKeyIsRead() throws Exception {
        Path f = dir.resolve("config.toml");
        Files.writeString(f, String.join("\n",
                "root = \"/srv/berth\"",
                "state = \"/run/b2\"",
                "socket = \"/run/b2/cri.sock\"",
                "log_level = \"debug\"",
                "shutdown_grace_seconds = 3",
                "cgroup_driver = \"systemd\"",
                "default_runtime = \"crun\"",
                "",
                "[runtimes.crun]",
                "binary = \"/usr/bin/crun\"",
                "",
                "[runtimes.kata]",
                ""));
        BerthConfig c = ConfigLoader.load(f);
        assertThat(c.root()).isEqualTo(Path.of("/srv/berth"));
        assertThat(c.state()).isEqualTo(Path.of("/run/b2"));
        assertThat(c.socket()).isEqualTo(Path.of("/run/b2/cri.sock"));
        assertThat(c.logLevel()).isEqualTo("debug");
        assertThat(c.shutdownGraceSeconds()).isEqualTo(3);
        assertThat(c.cgroupDriver()).isEqualTo(CgroupDriver.SYSTEMD);
        assertThat(c.defaultHandler()).isEqualTo(new RuntimeHandlerConfig("crun", "/usr/bin/crun"));
        assertThat(c.runtimes()).containsKeys("runc", "crun", "kata");
        assertThat(c.runtimes().get("kata").binary()).isEqualTo("kata");
    }

    @Test
    void brokenTomlNamesTheFileAndLine() {
        assertThatThrownBy(() -> ConfigLoader.parse("root = \"/a\"\nstate = = \"x\"\n", "/etc/berth/config.toml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config /etc/berth/config.toml line 2: not valid TOML");
    }

    @Test
    void anUnknownKeyIsAnErrorWithItsName() {
        assertThatThrownBy(() -> ConfigLoader.parse("root = \"/a\"\nsokcet = \"/x\"\n", "c.toml"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("config c.toml line 2: unknown key 'sokcet'");
    }

    @Test
    void anUnknownKeyInsideASectionNamesThePath() {
        assertThatThrownBy(() -> ConfigLoader.parse("[runtimes.crun]\npath = \"/x\"\n", "c.toml"))
                .hasMessageContaining("unknown key 'runtimes.crun.path'");
    }

    @Test
    void aWrongTypeNamesTheKey() {
        assertThatThrownBy(() -> ConfigLoader.parse("shutdown_grace_seconds = \"soon\"\n", "c.toml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("key 'shutdown_grace_seconds' has the wrong type");
    }

    @Test
    void badValuesAreRefusedWithTheirKey() {
        assertThatThrownBy(() -> ConfigLoader.parse("cgroup_driver = \"cgroupv3\"", "c.toml"))
                .hasMessage("config c.toml line 1: cgroup_driver 'cgroupv3' is not one of cgroupfs, systemd");
        assertThatThrownBy(() -> ConfigLoader.parse("log_level = \"loud\"", "c.toml"))
                .hasMessageContaining("log_level 'loud' is not one of debug, info, warn, error");
        assertThatThrownBy(() -> ConfigLoader.parse("root = \"relative/dir\"", "c.toml"))
                .hasMessageContaining("root must be an absolute path");
        assertThatThrownBy(() -> ConfigLoader.parse("shutdown_grace_seconds = -1", "c.toml"))
                .hasMessageContaining("shutdown_grace_seconds must be between 0 and 3600");
        assertThatThrownBy(() -> ConfigLoader.parse("default_runtime = \"kata\"", "c.toml"))
                .hasMessageContaining("default_runtime 'kata' has no [runtimes.kata] section");
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("nope.toml");
        assertThatThrownBy(() -> ConfigLoader.load(missing))
                .isInstanceOf(ConfigException.class)
                .hasMessage("config " + missing + ": no such file");
    }

    @Test
    void theImageSectionHasDefaultsAndEveryKeyIsRead() {
        assertThat(ConfigLoader.defaults().image()).isEqualTo(new ImageSettings("auto", 3,
                java.time.Duration.ofMinutes(5), Path.of("/etc/berth")));
        BerthConfig c = ConfigLoader.parse(String.join("\n",
                "[image]",
                "snapshotter = \"native\"",
                "max_concurrent_downloads = 5",
                "max_concurrent_downloads_per_daemon = 9",
                "stall_timeout_seconds = 7",
                "registry_config_dir = \"/srv/registries\""), "image.toml");
        assertThat(c.image()).isEqualTo(new ImageSettings("native", 5, java.time.Duration.ofSeconds(7),
                Path.of("/srv/registries")).withMaxDownloadsPerDaemon(9));
        assertThat(ConfigLoader.defaults().image().maxDownloadsPerDaemon()).isEqualTo(6);
        assertThatThrownBy(() -> ConfigLoader.parse("[image]\nmax_concurrent_downloads_per_daemon = 0", "x.toml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("image.max_concurrent_downloads_per_daemon must be between 1 and 1024, not 0");
    }

    @Test
    void theMinimumDownloadRateHasADefaultIsReadAndIsRangeChecked() {
        assertThat(ConfigLoader.defaults().image().minDownloadRate()).isEqualTo(1024);
        assertThat(ConfigLoader.parse("[image]\nmin_download_rate_bytes_per_second = 0", "x.toml").image()
                .minDownloadRate()).isZero();
        assertThat(ConfigLoader.parse("[image]\nmin_download_rate_bytes_per_second = 65536", "x.toml").image()
                .minDownloadRate()).isEqualTo(65536);
        assertThatThrownBy(() -> ConfigLoader.parse("[image]\nmin_download_rate_bytes_per_second = -1", "x.toml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("image.min_download_rate_bytes_per_second must be between 0 and 1073741824");
        assertThatThrownBy(() -> ConfigLoader.parse("[image]\nmin_download_rate_bytes_per_second = 2000000000",
                "x.toml")).isInstanceOf(ConfigException.class);
    }

    @Test
    void layerBoundsHaveDefaultsAndAreRead() {
        assertThat(ConfigLoader.defaults().image().layerLimits())
                .isEqualTo(io.berth.snapshotter.apply.LayerLimits.DEFAULTS);
        BerthConfig c = ConfigLoader.parse(String.join("\n",
                "[image]",
                "layer_max_entries = 5000",
                "layer_max_uncompressed_bytes = 10737418240",
                "layer_max_pax_bytes = 2097152",
                "layer_max_path_bytes = 1024"), "image.toml");
        assertThat(c.image().layerLimits()).isEqualTo(
                new io.berth.snapshotter.apply.LayerLimits(5000, 10L << 30, 2L << 20, 1024));
    }

    @Test
    void layerBoundsOutOfRangeAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> ConfigLoader.parse("[image]\nlayer_max_entries = 0", "x.toml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("image.layer_max_entries");
        assertThatThrownBy(() -> ConfigLoader.parse("[image]\nlayer_max_uncompressed_bytes = 100", "x.toml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("image.layer_max_uncompressed_bytes");
        assertThatThrownBy(() -> ConfigLoader.parse("[image]\nlayer_max_pax_bytes = -1", "x.toml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("image.layer_max_pax_bytes");
        assertThatThrownBy(() -> ConfigLoader.parse("[image]\nlayer_max_path_bytes = 10", "x.toml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("image.layer_max_path_bytes");
    }

    @Test
    void badImageValuesAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> ConfigLoader.parse("[image]\nsnapshotter = \"zfs\"", "x.toml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("image.snapshotter");
        assertThatThrownBy(() -> ConfigLoader.parse("[image]\nmax_concurrent_downloads = 0", "x.toml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("image.max_concurrent_downloads");
        assertThatThrownBy(() -> ConfigLoader.parse("[image]\nstall_timeout_seconds = 0", "x.toml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("image.stall_timeout_seconds");
        assertThatThrownBy(() -> ConfigLoader.parse("[image]\nregistry_config_dir = \"etc\"", "x.toml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("image.registry_config_dir");
        assertThatThrownBy(() -> ConfigLoader.parse("[image]\nmax_downloads = 2", "x.toml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown key");
    }

    @Test
    void rangesTooSmallForAPodAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> ConfigLoader.parse("[network]\nsubnet = \"10.1.2.0/31\"", "n.toml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config n.toml line 2: network.subnet 10.1.2.0/31 is too small");
        assertThatThrownBy(() -> ConfigLoader.parse("[network]\nipv6_subnet = \"fd00::/127\"", "n.toml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config n.toml line 2: network.ipv6_subnet fd00::/127 is too small");
        assertThat(ConfigLoader.parse("[network]\nsubnet = \"10.1.2.0/30\"\nipv6_subnet = \"fd00::/126\"", "n.toml")
                .network().subnet()).isEqualTo("10.1.2.0/30");
    }
}

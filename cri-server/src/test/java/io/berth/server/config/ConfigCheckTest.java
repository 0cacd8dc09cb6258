package io.berth.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigCheckTest {
    @TempDir
    Path dir;

    /** One row per kind of mistake: the file, then every problem as "LINE: message", in line order. */
    static Stream<Arguments> mistakes() {
        return Stream.of(
                row("unknown top-level key",
                        "root = \"/a\"\nsokcet = \"/x\"\n",
                        "2: unknown key 'sokcet'"),
                row("unknown key in a table",
                        "[network]\nplugin = \"bridge\"\nbrige = \"b0\"\n",
                        "3: unknown key 'network.brige'"),
                row("unknown key in a runtime handler entry",
                        "[runtimes.crun]\nbinary = \"/usr/bin/crun\"\n\n[runtimes.kata]\npath = \"/x\"\n",
                        "5: unknown key 'runtimes.kata.path'"),
                row("unknown key in a handler written with dotted keys",
                        "log_level = \"info\"\nruntimes.kata.binay = \"kata\"\n",
                        "2: unknown key 'runtimes.kata.binay'"),
                row("unknown key in a handler whose name needs quotes",
                        "[runtimes.\"kata.v2\"]\nbinery = \"x\"\n",
                        "2: unknown key 'runtimes.\"kata.v2\".binery'"),
                row("unknown key in an inline table",
                        "network = { plugin = \"bridge\", mtuu = 1500 }\n",
                        "1: unknown key 'network.mtuu'"),
                row("handlers written as an array of tables",
                        "root = \"/a\"\n[[runtimes]]\nname = \"crun\"\n",
                        "2: key 'runtimes' has the wrong type: expected a table for each name, as"
                                + " [runtimes.NAME], got an array holding a table"),
                row("wrong type",
                        "shutdown_grace_seconds = \"soon\"\n",
                        "1: key 'shutdown_grace_seconds' has the wrong type: expected an integer, got a string"),
                row("wrong type in a table",
                        "[metrics]\n\nenabled = \"yes\"\n",
                        "3: key 'metrics.enabled' has the wrong type: expected true or false, got a string"),
                row("a section that is not a table",
                        "network = \"bridge\"\n",
                        "1: key 'network' has the wrong type: expected a table, got a string"),
                row("wrong type in an array",
                        "[network]\ncni_bin_dirs = [\"/opt/cni/bin\", 5]\n",
                        "2: key 'network.cni_bin_dirs' has the wrong type: expected an array of strings, got an"
                                + " array holding the integer 5"),
                row("an integer too large for its key",
                        "[network]\nmtu = 99999999999\n",
                        "2: key 'network.mtu' is out of range: 99999999999 does not fit in 32 bits"),
                row("bad enum value",
                        "cgroup_driver = \"cgroupv3\"\n",
                        "1: cgroup_driver 'cgroupv3' is not one of cgroupfs, systemd"),
                row("bad enum value in a table",
                        "[shim]\ngroup = \"cluster\"\n",
                        "2: shim.group must be node, pod or container, not 'cluster'"),
                row("bad number range",
                        "[image]\nmax_concurrent_downloads = 0\n",
                        "2: image.max_concurrent_downloads must be between 1 and 64, not 0"),
                row("bad duration",
                        "[streaming]\ntoken_ttl_seconds = 601\n",
                        "2: streaming.token_ttl_seconds must be between 1 and 600, not 601"),
                row("bad address",
                        "[metrics]\naddress = \"metrics.example.com:9180\"\n",
                        "2: metrics.address host must be an IP address or localhost, not 'metrics.example.com'"),
                row("relative path",
                        "root = \"relative/dir\"\n",
                        "1: root must be an absolute path, not 'relative/dir'"),
                row("keys that must be set together",
                        "[streaming]\nport = 10010\ntls_cert_file = \"/etc/berth/s.crt\"\n",
                        "3: streaming.tls_cert_file and streaming.tls_key_file must be set together"),
                row("a default runtime with no handler",
                        "default_runtime = \"kata\"\n",
                        "1: default_runtime 'kata' has no [runtimes.kata] section and is not a built-in handler"),
                row("invalid TOML",
                        "root = \"/a\"\nstate = = \"x\"\n",
                        "2: not valid TOML: expected a value, found '='"),
                row("duplicate key",
                        "root = \"/a\"\nstate = \"/s\"\nroot = \"/b\"\n",
                        "3: key 'root' is defined twice (first on line 1)"),
                row("duplicate key in a table",
                        "[network]\nmtu = 1500\n\n[image]\n[network]\nbridge = \"b\"\n",
                        "5: table [network] is defined twice (first on line 1)"),
                row("a multi-line value neither hides nor invents keys",
                        "[network]\ncni_bin_dirs = [\n  \"/opt/cni/bin\",  # comment\n  \"lib/cni\",\n]\n"
                                + "cni_conf_dir = '''\nmtu = 5\n'''\nmtu = 5\n",
                        "2: network.cni_bin_dirs must be an absolute path, not 'lib/cni'",
                        "6: network.cni_conf_dir must be an absolute path, not 'mtu = 5\n'",
                        "9: network.mtu must be 0 (kernel default) or 576-65535, not 5"),
                row("several mistakes at once, reported together",
                        String.join("\n",
                                "root = \"relative\"",
                                "log_level = \"loud\"",
                                "colour = \"blue\"",
                                "",
                                "[runtimes.crun]",
                                "binary = \"\"",
                                "args = [\"--debug\"]",
                                "",
                                "[network]",
                                "mtu = \"big\"",
                                "plugin = \"weave\"",
                                "",
                                "[image]",
                                "max_concurrent_downloads = 100",
                                "[streaming]",
                                "port = 70000",
                                "idle_timeout_seconds = 0",
                                ""),
                        "1: root must be an absolute path, not 'relative'",
                        "2: log_level 'loud' is not one of debug, info, warn, error",
                        "3: unknown key 'colour'",
                        "6: runtimes.crun.binary must not be empty",
                        "7: unknown key 'runtimes.crun.args'",
                        "10: key 'network.mtu' has the wrong type: expected an integer, got a string",
                        "11: network.plugin must be \"bridge\" or \"cni\", not 'weave'",
                        "14: image.max_concurrent_downloads must be between 1 and 64, not 100",
                        "16: streaming.port must be between 0 and 65535, not 70000",
                        "17: streaming.idle_timeout_seconds must be positive"));
    }

    private static Arguments row(String kind, String toml, String... problems) {
        return Arguments.of(kind, toml, List.of(problems));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void everyMistakeIsNamedWithItsLine(String kind, String toml, List<String> expected) {
        assertThat(ConfigLoader.check(toml)).extracting(p -> p.line() + ": " + p.message())
                .containsExactlyElementsOf(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void loadingRefusesTheSameFileNamingTheFirstMistake(String kind, String toml, List<String> expected) {
        int line = Integer.parseInt(expected.get(0).substring(0, expected.get(0).indexOf(':')));
        String message = expected.get(0).substring(expected.get(0).indexOf(": ") + 2);
        assertThatThrownBy(() -> ConfigLoader.parse(toml, "c.toml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config c.toml line " + line + ": " + message);
    }

    @Test
    void loadingSaysHowManyMoreMistakesTheCheckWouldList() {
        assertThatThrownBy(() -> ConfigLoader.parse("root = \"a\"\nstate = \"b\"\nsocket = \"c\"\n", "c.toml"))
                .hasMessage("config c.toml line 1: root must be an absolute path, not 'a'"
                        + " (and 2 more; `berthd config check c.toml` lists them)");
    }

    @Test
    void aFileBerthdStartsWithHasNoProblems() throws Exception {
        Path f = dir.resolve("config.toml");
        Files.writeString(f, String.join("\n",
                "# comment",
                "log_level = \"debug\"",
                "default_runtime = \"kata\"",
                "[runtimes.kata]",
                "[runtimes.\"crun.v2\"]",
                "binary = '/usr/bin/crun'",
                "[network]",
                "cni_bin_dirs = [",
                "  \"/opt/cni/bin\",",
                "]",
                "ipv6_subnet = \"fd00:88::/64\"",
                "[streaming]",
                "tls_cert_file = \"/etc/berth/s.crt\"",
                "tls_key_file = \"/etc/berth/s.key\"",
                ""));
        assertThat(ConfigLoader.check(f)).isEmpty();
        assertThat(ConfigLoader.load(f).runtimes()).containsKeys("runc", "kata", "crun.v2");
    }

    @Test
    void aMissingFileIsAnErrorNotAnEmptyList() {
        Path missing = dir.resolve("nope.toml");
        assertThatThrownBy(() -> ConfigLoader.check(missing))
                .isInstanceOf(ConfigException.class)
                .hasMessage("config " + missing + ": no such file");
    }

    @Test
    void problemsPrintAsCompilersPrintThem() {
        assertThat(new ConfigProblem(3, "unknown key 'x'").format("/etc/berth/config.toml"))
                .isEqualTo("/etc/berth/config.toml:3: unknown key 'x'");
        assertThat(new ConfigProblem(0, "something").format("c.toml")).isEqualTo("c.toml: something");
    }
}

package io.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.server.config.BerthConfig;
import io.berth.server.config.ConfigLoader;
import io.berth.server.config.DefaultConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** berthd config default, check and dump as an operator runs them: output, errors and exit code. */
class BerthdConfigCommandTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int berthd(String... args) {
        return Berthd.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpNamesTheSubcommands() {
        assertThat(berthd("--help")).isZero();
        assertThat(out()).contains("berthd config default", "berthd config check FILE", "berthd config dump [flags]");
    }

    @Test
    void configDefaultPrintsTheCommentedDefaults() {
        assertThat(berthd("config", "default")).isZero();
        assertThat(out()).isEqualTo(DefaultConfig.text()).contains("# ");
        assertThat(err()).isEmpty();
    }

    @Test
    void configCheckSaysOkForAGoodFile() throws Exception {
        Path file = dir.resolve("good.toml");
        Files.writeString(file, "log_level = \"debug\"\n[network]\nmtu = 1450\n");
        assertThat(berthd("config", "check", file.toString())).isZero();
        assertThat(out()).isEqualTo(file + ": ok\n");
        assertThat(err()).isEmpty();
    }

    @Test
    void configCheckNamesEveryProblemWithItsLineAndFails() throws Exception {
        Path file = dir.resolve("bad.toml");
        Files.writeString(file, "sokcet = \"/x\"\n[network]\nmtu = 10\n[runtimes.crun]\npath = \"/usr/bin/crun\"\n");
        assertThat(berthd("config", "check", file.toString())).isEqualTo(1);
        assertThat(out()).isEqualTo(String.join("\n",
                file + ":1: unknown key 'sokcet'",
                file + ":3: network.mtu must be 0 (kernel default) or 576-65535, not 10",
                file + ":5: unknown key 'runtimes.crun.path'",
                ""));
    }

    @Test
    void configCheckOfAMissingFileFails() {
        Path missing = dir.resolve("none.toml");
        assertThat(berthd("config", "check", missing.toString())).isEqualTo(1);
        assertThat(err()).isEqualTo("berthd: config " + missing + ": no such file\n");
        assertThat(out()).isEmpty();
    }

    @Test
    void configDumpPrintsTheEffectiveConfigThatLoadsBackWithTheFlagsApplied() throws Exception {
        Path file = dir.resolve("c.toml");
        Files.writeString(file, "root = \"/from/file\"\ncgroup_driver = \"systemd\"\n[runtimes.crun]\n"
                + "[metrics]\naddress = \"127.0.0.1:19180\"\n");
        String[] flags = {"--config", file.toString(), "--root", "/from/flag", "--socket=/run/x/cri.sock",
            "--state", "/run/x", "--log-level", "warn"};
        String[] args = new String[flags.length + 2];
        args[0] = "config";
        args[1] = "dump";
        System.arraycopy(flags, 0, args, 2, flags.length);

        assertThat(berthd(args)).isZero();
        assertThat(err()).isEmpty();
        Path dumped = dir.resolve("dumped.toml");
        Files.writeString(dumped, out());
        BerthConfig expected = Berthd.effectiveConfig(CommandLine.parse(flags));
        assertThat(ConfigLoader.check(dumped)).isEmpty();
        assertThat(ConfigLoader.load(dumped)).isEqualTo(expected);
        assertThat(expected.root()).isEqualTo(Path.of("/from/flag"));
        assertThat(expected.logLevel()).isEqualTo("warn");
        assertThat(out()).contains("root = \"/from/flag\"", "cgroup_driver = \"systemd\"", "[runtimes.crun]",
                "address = \"127.0.0.1:19180\"");
    }

    @Test
    void configDumpWithoutFlagsPrintsTheDefaults() throws Exception {
        assertThat(berthd("config", "dump")).isZero();
        Path dumped = dir.resolve("dumped.toml");
        Files.writeString(dumped, out());
        assertThat(ConfigLoader.load(dumped)).isEqualTo(ConfigLoader.defaults());
    }

    @Test
    void configDumpOfABadConfigFailsNamingTheProblem() throws Exception {
        Path file = dir.resolve("c.toml");
        Files.writeString(file, "log_level = \"loud\"\n");
        assertThat(berthd("config", "dump", "--config", file.toString())).isEqualTo(1);
        assertThat(err()).isEqualTo("berthd: config " + file
                + " line 1: log_level 'loud' is not one of debug, info, warn, error\n");
        assertThat(out()).isEmpty();
    }

    @Test
    void aBadSubcommandIsAUsageError() {
        assertThat(berthd("config", "lint")).isEqualTo(2);
        assertThat(err()).isEqualTo("berthd: unknown config subcommand 'lint': use default, check FILE or dump"
                + " [flags]\n");
        err.reset();
        assertThat(berthd("config", "check", "a.toml", "b.toml")).isEqualTo(2);
        assertThat(err()).startsWith("berthd: config check takes one FILE");
        assertThat(out()).isEmpty();
    }
}

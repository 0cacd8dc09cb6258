package io.berth.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.server.config.BerthConfig;
import io.berth.server.config.CgroupDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CommandLineTest {
    @TempDir
    Path dir;

    @Test
    void flagsTakeValuesInBothSpellings() throws Exception {
        CommandLine cli = CommandLine.parse("--root", "/r", "--state=/s", "--socket", "/s/x.sock", "--log-level=warn");
        assertThat(cli.root()).contains(Path.of("/r"));
        assertThat(cli.state()).contains(Path.of("/s"));
        assertThat(cli.socket()).contains(Path.of("/s/x.sock"));
        assertThat(cli.logLevel()).contains("warn");
        assertThat(cli.help()).isFalse();
    }

    @Test
    void unknownFlagsAndMissingValuesAreUsageErrors() {
        assertThatThrownBy(() -> CommandLine.parse("--rooot", "/r"))
                .isInstanceOf(CommandLine.UsageException.class)
                .hasMessage("unknown flag --rooot (see berthd --help)");
        assertThatThrownBy(() -> CommandLine.parse("--root"))
                .hasMessage("flag --root needs a value");
        assertThatThrownBy(() -> CommandLine.parse("--socket="))
                .hasMessage("flag --socket needs a non-empty value");
    }

    @Test
    void configSubcommandsComeFirstAndTakeTheirOwnArguments() throws Exception {
        assertThat(CommandLine.parse("--root", "/r").command()).isEqualTo(CommandLine.Command.DAEMON);
        assertThat(CommandLine.parse("config", "default").command()).isEqualTo(CommandLine.Command.CONFIG_DEFAULT);
        CommandLine check = CommandLine.parse("config", "check", "conf/berth.toml");
        assertThat(check.command()).isEqualTo(CommandLine.Command.CONFIG_CHECK);
        assertThat(check.file()).contains(Path.of("conf/berth.toml"));
        CommandLine dump = CommandLine.parse("config", "dump", "--config", "/etc/berth/config.toml", "--root=/r");
        assertThat(dump.command()).isEqualTo(CommandLine.Command.CONFIG_DUMP);
        assertThat(dump.config()).contains(Path.of("/etc/berth/config.toml"));
        assertThat(dump.root()).contains(Path.of("/r"));
        assertThat(CommandLine.parse("config", "--help").help()).isTrue();
        assertThat(CommandLine.parse("config", "check", "--help").help()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "config                   | config needs a subcommand: default, check FILE or dump [flags] (see berthd --help)",
        "config lint c.toml       | unknown config subcommand 'lint': use default, check FILE or dump [flags]",
        "config --root /r dump    | unknown config subcommand '--root': use default, check FILE or dump [flags]",
        "config default extra     | config default takes no arguments; config dump applies flags",
        "config default --root /r | config default takes no arguments; config dump applies flags",
        "config check             | config check takes one FILE, not 0 (berthd config check FILE)",
        "config check a.toml b    | config check takes one FILE, not 2 (berthd config check FILE)",
        "config check --root /r a | config check takes only a FILE, no flags",
        "config check --bogus a   | unknown flag --bogus (see berthd --help)",
        "config dump extra        | unexpected argument 'extra' (see berthd --help)",
        "serve                    | unexpected argument 'serve' (see berthd --help)",
        "--root /r config dump    | unexpected argument 'config': a subcommand comes first, as in berthd config dump"
                + " --config FILE",
    })
    void badSubcommandsAndExtraArgumentsAreUsageErrors(String args, String message) {
        assertThatThrownBy(() -> CommandLine.parse(args.split(" ")))
                .isInstanceOf(CommandLine.UsageException.class)
                .hasMessage(message);
    }

    @Test
    void flagsOverrideTheConfigFile() throws Exception {
        Path f = dir.resolve("c.toml");
        Files.writeString(f, "root = \"/from/file\"\ncgroup_driver = \"systemd\"\nlog_level = \"error\"\n");
        BerthConfig c = Berthd.effectiveConfig(CommandLine.parse("--config", f.toString(), "--root", "/from/flag",
                "--log-level", "debug"));
        assertThat(c.root()).isEqualTo(Path.of("/from/flag"));
        assertThat(c.logLevel()).isEqualTo("debug");
        assertThat(c.cgroupDriver()).isEqualTo(CgroupDriver.SYSTEMD);
        assertThat(c.state()).isEqualTo(BerthConfig.DEFAULT_STATE);
    }

    @Test
    void exitCodesSayWhatWentWrong() {
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        assertThat(Berthd.run(new String[] {"--nope"}, new java.io.PrintStream(out), new java.io.PrintStream(err)))
                .isEqualTo(2);
        assertThat(err.toString()).isEqualTo("berthd: unknown flag --nope (see berthd --help)\n");
        err.reset();
        assertThat(Berthd.run(new String[] {"--config", dir.resolve("none.toml").toString()},
                new java.io.PrintStream(out), new java.io.PrintStream(err))).isEqualTo(1);
        assertThat(err.toString()).startsWith("berthd: config ").contains("no such file");
        assertThat(Berthd.run(new String[] {"--version"}, new java.io.PrintStream(out), new java.io.PrintStream(err)))
                .isZero();
        assertThat(out.toString()).startsWith("berthd " + BuildInfo.version());
        assertThat(BuildInfo.version()).doesNotContain("${").isNotEqualTo("unknown");
    }
}

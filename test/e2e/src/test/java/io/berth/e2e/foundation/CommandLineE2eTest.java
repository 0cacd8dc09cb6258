package io.berth.e2e.foundation;

import io.berth.e2e.harness.BerthdCommand;
import io.berth.e2e.harness.CommandResult;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.harness.ScratchDir;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.berth.e2e.foundation.Refusal.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an operator sees at the command line: help, version, and clear one-line refusals for bad flags, bad config
 * and unusable directories. Every run gets temp --root/--state/--socket, so that a berthd that wrongly starts
 * can never touch the host's /var/lib/berth or /run/berth.
 */
class CommandLineE2eTest {

    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private ScratchDir dir;

    @BeforeAll
    static void onlyForOwnBerthd() {
        E2eSettings.assumeOwnBerthd();
    }

    @BeforeEach
    void scratch() {
        dir = daemons.scratchDir("berthd-cli-");
    }

    @Test
    void helpPrintsUsageNamingEveryFlagAndExitsZero() {
        CommandResult result = BerthdCommand.run(dir, "--help");

        assertThat(result.exitCode()).as("%s", result).isZero();
        assertThat(result.stdout()).contains("--config", "--socket", "--root", "--state", "--log-level", "--help",
                "--version");
    }

    @Test
    void versionPrintsOneLineAndExitsZero() {
        CommandResult result = BerthdCommand.run(dir, "--version");

        assertThat(result.exitCode()).as("%s", result).isZero();
        assertThat(result.stdout().strip()).matches("berthd \\S+");
    }

    @Test
    void anUnknownFlagExitsTwoNamingTheFlag() {
        CommandResult result = BerthdCommand.run(dir, withTempDirs("--no-such-flag"));

        assertRefused(result, 2, "--no-such-flag");
    }

    @Test
    void malformedTomlExitsOneNamingTheFileAndTheLine() {
        Path config = dir.write("config.toml", """
                log_level = "info"
                cgroup_driver = "cgroupfs"
                this is not toml [
                """);

        String reason = assertRefused(BerthdCommand.run(dir, withTempDirs("--config", config.toString())), 1,
                config.toString());

        assertNamesLine(reason, 3);
    }

    @Test
    void anUnknownConfigKeyExitsOneNamingTheFileAndTheKey() {
        Path config = writeConfigWithUnknownKeyOnLine2();

        assertRefused(BerthdCommand.run(dir, withTempDirs("--config", config.toString())), 1,
                config.toString(), "no_such_key");
    }

    @Test
    void anUnknownConfigKeyNamesTheLine() {
        Path config = writeConfigWithUnknownKeyOnLine2();

        String reason = assertRefused(BerthdCommand.run(dir, withTempDirs("--config", config.toString())), 1);

        assertNamesLine(reason, 2);
    }

    private Path writeConfigWithUnknownKeyOnLine2() {
        return dir.write("config.toml", """
                log_level = "info"
                no_such_key = 1
                """);
    }

    @Test
    void aBadCgroupDriverExitsOneNamingTheFileAndTheKey() {
        Path config = dir.write("config.toml", "cgroup_driver = \"cgroupv3\"\n");

        assertRefused(BerthdCommand.run(dir, withTempDirs("--config", config.toString())), 1,
                config.toString(), "cgroup_driver");
    }

    @Test
    void aRootThatCannotBeCreatedExitsOneNamingThePath() {
        // As root, permission bits stop nothing; a regular file where a directory must go stops everyone.
        Path blocker = dir.write("not-a-dir", "");
        Path root = blocker.resolve("root");

        CommandResult result = BerthdCommand.run(dir, "--root", root.toString(),
                "--state", dir.resolve("state").toString(), "--socket", dir.resolve("berth.sock").toString());

        assertRefused(result, 1, root.toString());
    }

    /** "line 3", "line: 3" or "config.toml:3" — the forms editors and people both understand. */
    private static void assertNamesLine(String reason, int line) {
        assertThat(reason).as("the reason names line %d", line)
                .containsPattern("(?i)(line\\s*:?\\s*" + line + "\\b|\\.toml:" + line + "\\b)");
    }

    private List<String> withTempDirs(String... args) {
        List<String> all = new ArrayList<>(List.of("--root", dir.resolve("root").toString(),
                "--state", dir.resolve("state").toString(), "--socket", dir.resolve("berth.sock").toString()));
        all.addAll(List.of(args));
        return all;
    }
}

package io.berth.e2e.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.e2e.harness.CommandResult;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.harness.LoggedProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * berth installed by {@code scripts/install.sh} into a staging root ({@code DESTDIR}) with its own {@code PREFIX},
 * the way a package build does it, and run the way its systemd unit runs it. The repository's packaged dist must
 * exist ({@code mvn package}); the script is run with {@code --no-deps --no-build} so that it copies that dist.
 */
final class InstalledNode {
    private static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(2);

    private final Path destdir;
    private final String prefix;

    private InstalledNode(Path destdir, String prefix) {
        this.destdir = destdir;
        this.prefix = prefix;
    }

    /** Runs {@code install.sh} for {@code prefix} under {@code destdir} and asserts it succeeded. */
    static InstalledNode install(Path destdir, String prefix) {
        InstalledNode node = new InstalledNode(destdir, prefix);
        CommandResult result = node.script("install.sh", "--no-deps", "--no-build");
        assertThat(result.exitCode()).as("install.sh\n%s", result).isZero();
        return node;
    }

    /** Runs {@code uninstall.sh} for the same prefix and asserts it succeeded. */
    CommandResult uninstall() {
        CommandResult result = script("uninstall.sh");
        assertThat(result.exitCode()).as("uninstall.sh\n%s", result).isZero();
        return result;
    }

    /** A path as installed: {@code /usr/local/bin/berthd} lives at {@code DESTDIR/usr/local/bin/berthd} here. */
    Path staged(String absolute) {
        return destdir.resolve(absolute.substring(1));
    }

    Path berthd() {
        return staged(prefix + "/bin/berthd");
    }

    Path berthctl() {
        return staged(prefix + "/bin/berthctl");
    }

    Path config() {
        return staged("/etc/berth/config.toml");
    }

    Path unit() {
        return staged(prefix + "/lib/systemd/system/berth.service");
    }

    /**
     * The unit's {@code ExecStart} as a command line, its program mapped into the staging root. The unit names the
     * program where it will be once the package is unpacked, so the path must start with the prefix.
     */
    List<String> execStart() {
        String line = lines(unit()).stream().filter(l -> l.startsWith("ExecStart=")).findFirst()
                .orElseThrow(() -> new AssertionError("no ExecStart in " + unit()));
        List<String> words = new ArrayList<>(Arrays.asList(line.substring("ExecStart=".length()).trim().split("\\s+")));
        assertThat(words.get(0)).as("ExecStart's program").isEqualTo(prefix + "/bin/berthd");
        words.set(0, berthd().toString());
        return words.stream().map(w -> w.startsWith("/etc/") ? staged(w).toString() : w).toList();
    }

    /** Every regular file and symlink under the staging root, relative to it. */
    List<String> stagedFiles() {
        if (!Files.exists(destdir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(destdir)) {
            return walk.filter(p -> !Files.isDirectory(p)).map(p -> destdir.relativize(p).toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts {@code command} with the launcher environment of the suite plus {@code env}, logging to {@code log}. */
    static LoggedProcess start(List<String> command, Map<String, String> env, Path log) {
        Map<String, String> all = new HashMap<>(env);
        all.put("BERTH_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        return LoggedProcess.start(command, all, log);
    }

    /** Runs an installed launcher (berthd or berthctl) to completion. */
    static CommandResult run(List<String> command) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(
                    Path.of("/dev/null").toFile()));
            builder.environment().put("BERTH_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
            Path out = Files.createTempFile("ops-out", ".txt");
            Path err = Files.createTempFile("ops-err", ".txt");
            try {
                Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!process.waitFor(SCRIPT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                    throw new AssertionError(command + " did not finish within " + SCRIPT_TIMEOUT);
                }
                return new CommandResult(command, process.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    private CommandResult script(String name, String... args) {
        List<String> command = new ArrayList<>(List.of("sh", repository().resolve("scripts").resolve(name).toString()));
        command.addAll(List.of(args));
        List<String> withEnv = new ArrayList<>(List.of("env", "DESTDIR=" + destdir, "PREFIX=" + prefix));
        withEnv.addAll(command);
        return run(withEnv);
    }

    /** The repository the suite runs from: the packaged dist is its {@code cri-server/target/berthd}. */
    static Path repository() {
        return E2eSettings.berthdLauncher().getParent().getParent().getParent().getParent().getParent();
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

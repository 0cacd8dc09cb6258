package io.berth.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs berthd to completion — for the cases where it must not start serving: --help, --version, bad flags, bad
 * config, a root it cannot use, a socket someone else serves. stdout and stderr are kept apart, because the
 * contract says which stream each message goes to.
 */
public final class BerthdCommand {

    /** A refusal should take about one JVM start; if berthd is still up after this, it did not refuse. */
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private BerthdCommand() {
    }

    /** Runs {@code bin/berthd args…} with outputs in {@code dir}; kills it by pid if it outlives the timeout. */
    public static CommandResult run(ScratchDir dir, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(E2eSettings.berthdLauncher().toString());
        command.addAll(args);
        Path stdout = dir.resolve("stdout.txt");
        Path stderr = dir.resolve("stderr.txt");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().putAll(BerthdProcess.launcherEnvironment());
        try {
            Process process = builder.start();
            if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                throw new AssertionError("berthd did not exit within " + TIMEOUT + ": "
                        + new CommandResult(command, -1, Files.readString(stdout), Files.readString(stderr)));
            }
            return new CommandResult(command, process.exitValue(), Files.readString(stdout), Files.readString(stderr));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    public static CommandResult run(ScratchDir dir, String... args) {
        return run(dir, List.of(args));
    }
}

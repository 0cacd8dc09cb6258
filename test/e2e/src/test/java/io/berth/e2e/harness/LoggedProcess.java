package io.berth.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * A long-running child process whose stdout and stderr go to one log file. Every signal goes to the pid we
 * started, never to a process found by name.
 */
public final class LoggedProcess {

    private final Process process;
    private final Path log;

    private LoggedProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code command}; the log is appended to so that a restart keeps the earlier run's lines. */
    public static LoggedProcess start(List<String> command, Map<String, String> extraEnv, Path log) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().putAll(extraEnv);
        try {
            return new LoggedProcess(builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + String.join(" ", command), e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path logFile() {
        return log;
    }

    public String logText() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(could not read " + log + ": " + e + ")";
        }
    }

    /** Sends a named signal (TERM, INT, KILL…) to this pid only. */
    public void signal(String name) {
        if (!process.isAlive()) {
            return;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-s", name, Long.toString(process.pid()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
                throw new IllegalStateException("kill -s " + name + " " + process.pid() + " did not finish");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling " + process.pid(), e);
        }
    }

    /** Waits for the process to exit; empty if it is still running after {@code timeout}. */
    public OptionalInt awaitExit(Duration timeout) {
        try {
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return OptionalInt.of(process.exitValue());
            }
            return OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + process.pid(), e);
        }
    }

    /** SIGTERM, then SIGKILL if it has not exited within {@code grace}. Returns the exit code. */
    public int terminate(Duration grace) {
        signal("TERM");
        OptionalInt exit = awaitExit(grace);
        if (exit.isPresent()) {
            return exit.getAsInt();
        }
        return kill9();
    }

    /** SIGKILL and reap. Returns the exit code (137 from the JVM's point of view). */
    public int kill9() {
        process.destroyForcibly();
        return awaitExit(Duration.ofSeconds(30))
                .orElseThrow(() -> new IllegalStateException("pid " + process.pid() + " survived SIGKILL"));
    }
}

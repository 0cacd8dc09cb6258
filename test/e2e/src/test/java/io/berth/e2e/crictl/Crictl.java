package io.berth.e2e.crictl;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.e2e.harness.CommandResult;
import io.berth.e2e.harness.GoTools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real crictl (cri-tools, built by {@link GoTools}) pointed at one berthd through a config file of its own, so
 * that /etc/crictl.yaml is neither read nor written. {@link #run} runs a command to completion; {@link #start} runs
 * one in the background (logs -f, port-forward, interactive exec and attach) with its output readable as it comes.
 */
public final class Crictl {
    /** What one command may take on a busy 2-core machine (a container start is a shim JVM plus runc). */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);

    private final Path binary;
    private final Path config;

    private Crictl(Path binary, Path config) {
        this.binary = binary;
        this.config = config;
    }

    /** Writes {@code dir/crictl.yaml} for the runtime and image service on {@code socket}. */
    public static Crictl forSocket(Path socket, Path dir) {
        String endpoint = "unix://" + socket;
        try {
            Path config = Files.writeString(dir.resolve("crictl.yaml"), "runtime-endpoint: " + endpoint + "\n"
                    + "image-endpoint: " + endpoint + "\n" + "timeout: 90\n" + "debug: false\n"
                    + "pull-image-on-create: false\n");
            return new Crictl(GoTools.crictl(), config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The full command line for {@code crictl <args>}. */
    List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--config", config.toString()));
        command.addAll(List.of(args));
        return command;
    }

    /** The same command line as one shell word list, for {@code script -c}. */
    String shellCommand(String... args) {
        return String.join(" ", command(args).stream().map(Crictl::quote).toList());
    }

    /** Runs {@code crictl <args>} with an empty stdin; whatever the exit code. */
    public CommandResult run(String... args) {
        return run(command(args), new byte[0]);
    }

    /** Runs {@code crictl <args>} and asserts it succeeded. */
    public CommandResult ok(String... args) {
        CommandResult result = run(args);
        assertThat(result.exitCode()).as("%s", result).isZero();
        return result;
    }

    /** Runs {@code command} to completion with {@code stdin} piped in. */
    static CommandResult run(List<String> command, byte[] stdin) {
        try (Background process = Background.start(command)) {
            process.write(stdin);
            process.closeStdin();
            int exit = process.awaitExit(COMMAND_TIMEOUT);
            return new CommandResult(command, exit, process.stdout(), process.stderr());
        }
    }

    /** Starts {@code crictl <args>} in the background. */
    Background start(String... args) {
        return Background.start(command(args));
    }

    private static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** A command running in the background whose stdout and stderr are collected as they come. */
    static final class Background implements AutoCloseable {
        private final List<String> command;
        private final Process process;
        private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        private final Thread[] pumps;

        private Background(List<String> command, Process process) {
            this.command = command;
            this.process = process;
            this.pumps = new Thread[] {pump(process.getInputStream(), stdout), pump(process.getErrorStream(), stderr)};
        }

        static Background start(List<String> command) {
            try {
                return new Background(command, new ProcessBuilder(command).start());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static Thread pump(InputStream in, ByteArrayOutputStream sink) {
            Thread thread = new Thread(() -> {
                byte[] buffer = new byte[8192];
                try (in) {
                    for (int n; (n = in.read(buffer)) >= 0; ) {
                        synchronized (sink) {
                            sink.write(buffer, 0, n);
                        }
                    }
                } catch (IOException closed) {
                    // The process is gone or was killed: what came so far is kept.
                }
            }, "crictl-output");
            thread.setDaemon(true);
            thread.start();
            return thread;
        }

        String stdout() {
            synchronized (stdout) {
                return stdout.toString(StandardCharsets.UTF_8);
            }
        }

        String stderr() {
            synchronized (stderr) {
                return stderr.toString(StandardCharsets.UTF_8);
            }
        }

        void write(String text) {
            write(text.getBytes(StandardCharsets.UTF_8));
        }

        void write(byte[] bytes) {
            if (bytes.length == 0) {
                return;
            }
            try {
                OutputStream in = process.getOutputStream();
                in.write(bytes);
                in.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("could not write to " + this, e);
            }
        }

        void closeStdin() {
            try {
                process.getOutputStream().close();
            } catch (IOException ignored) {
                // Already gone.
            }
        }

        boolean isAlive() {
            return process.isAlive();
        }

        /** Waits for the exit and the end of both output streams; -1 (and the process is killed) on a timeout. */
        int awaitExit(Duration timeout) {
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    close();
                    return -1;
                }
                for (Thread pump : pumps) {
                    pump.join(10_000);
                }
                return process.exitValue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** Ends the process (and what it started, for {@code script}) if it still runs. */
        @Override
        public void close() {
            List<ProcessHandle> children = process.descendants().toList();
            process.destroy();
            children.forEach(ProcessHandle::destroy);
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    children.forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public String toString() {
            return String.join(" ", command) + "\n  alive: " + process.isAlive() + "\n  ---- stdout ----\n"
                    + stdout() + "\n  ---- stderr ----\n" + stderr();
        }
    }
}

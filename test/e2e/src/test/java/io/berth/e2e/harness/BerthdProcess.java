package io.berth.e2e.harness;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The packaged berthd running as a real process, with its own root, state dir and socket inside one temp dir.
 * {@link #restart()} starts it again on the same roots, as after a node reboot or a crash.
 */
public final class BerthdProcess implements ManagedDaemon {

    /** A JVM plus gRPC server start on a slow 2-core CI machine. */
    static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    /** Longer than the daemon's default shutdown grace, so that a clean stop is never cut short by us. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final ScratchDir dir;
    private final BerthdOptions options;
    private List<String> command;
    private LoggedProcess process;
    private CriClient client;

    private BerthdProcess(ScratchDir dir, BerthdOptions options) {
        this.dir = dir;
        this.options = options;
        this.command = commandLine(dir, options);
    }

    /** Starts berthd and waits until it serves; on failure its temp dir is removed and the log is in the exception. */
    public static BerthdProcess start(BerthdOptions options) {
        BerthdProcess berthd = new BerthdProcess(ScratchDir.create("berthd-"), options);
        try {
            berthd.launch();
            return berthd;
        } catch (RuntimeException | Error e) {
            berthd.close();
            throw e;
        }
    }

    private static List<String> commandLine(ScratchDir dir, BerthdOptions options) {
        return commandLine(E2eSettings.berthdLauncher(), dir, options);
    }

    private static List<String> commandLine(Path launcher, ScratchDir dir, BerthdOptions options) {
        List<String> args = new ArrayList<>();
        args.add(launcher.toString());
        Optional<String> toml = withShimGroup(options.configToml());
        toml.ifPresent(t -> args.addAll(List.of("--config", dir.write("config.toml", t).toString())));
        args.addAll(List.of("--root", dir.resolve("root").toString()));
        args.addAll(List.of("--state", dir.resolve("state").toString()));
        args.addAll(List.of("--socket", options.socket().orElse(dir.resolve("berth.sock")).toString()));
        args.addAll(options.extraArgs());
        return List.copyOf(args);
    }

    /** Adds the suite's {@code [shim] group} to the test's config, unless the test sets a group itself. */
    private static Optional<String> withShimGroup(Optional<String> toml) {
        Optional<String> group = E2eSettings.shimGroup();
        if (group.isEmpty() || toml.map(t -> t.contains("[shim]")).orElse(false)) {
            return toml;
        }
        return Optional.of(toml.orElse("") + "\n[shim]\ngroup = \"" + group.get() + "\"\n");
    }

    /** Runs the launcher on the same JVM as the tests, whatever `java` on PATH is. */
    static Map<String, String> launcherEnvironment() {
        return Map.of("BERTH_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private void launch() {
        Map<String, String> environment = new HashMap<>(launcherEnvironment());
        if (!options.jvmFlags().isEmpty()) {
            environment.put("BERTH_JAVA_OPTS", String.join(" ", options.jvmFlags()));
        }
        process = LoggedProcess.start(command, environment, dir.resolve("berthd.log"));
        client = CriReadiness.awaitServing("berthd pid " + process.pid(), process, socket(), STARTUP_TIMEOUT);
    }

    public CriClient client() {
        if (client == null) {
            throw new IllegalStateException("berthd is not running; restart() it first");
        }
        return client;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path root() {
        return dir.resolve("root");
    }

    public Path state() {
        return dir.resolve("state");
    }

    public Path socket() {
        return options.socket().orElse(dir.resolve("berth.sock"));
    }

    /** The temp dir that holds root, state, socket, config and log; tests may put their own files here. */
    public ScratchDir dir() {
        return dir;
    }

    public Path logFile() {
        return process.logFile();
    }

    @Override
    public String logText() {
        return process.logText();
    }

    /** Sends a signal (TERM, INT, HUP…) to berthd's pid without waiting. */
    public void signal(String name) {
        process.signal(name);
    }

    /** SIGTERM and wait for the exit (SIGKILL if it does not come in time). Returns the exit code. */
    public int stop() {
        return stopWith("TERM");
    }

    /**
     * Sends {@code signal} (TERM or INT: both mean a graceful stop) and waits for the exit, falling back to SIGKILL
     * if it does not come in time. Returns the exit code.
     */
    public int stopWith(String signal) {
        closeClient();
        process.signal(signal);
        OptionalInt exit = process.awaitExit(STOP_TIMEOUT);
        return exit.isPresent() ? exit.getAsInt() : process.kill9();
    }

    /** SIGKILL: the daemon gets no chance to clean up, like a crash or the OOM killer. Returns the exit code. */
    public int kill9() {
        closeClient();
        return process.kill9();
    }

    /**
     * Stops berthd if it still runs, then starts {@code launcher} (another build of berthd, as after an
     * upgrade) on the same roots, socket and config; later restarts use it too.
     */
    public void restartWith(Path launcher) {
        if (process.isAlive()) {
            stop();
        }
        command = commandLine(launcher, dir, options);
        launch();
    }

    /**
     * Waits for berthd to exit on its own (a fail point killed it) and returns its exit code; empty if it still
     * runs after {@code timeout}.
     */
    public OptionalInt awaitExit(Duration timeout) {
        OptionalInt exit = process.awaitExit(timeout);
        if (exit.isPresent()) {
            closeClient();
        }
        return exit;
    }

    /** Stops berthd if it still runs, then starts it again on the same roots, socket and config. */
    public void restart() {
        if (process.isAlive()) {
            stop();
        }
        launch();
    }

    @Override
    public String describe() {
        return "berthd pid " + (process == null ? "(not started)" : process.pid()) + " in " + dir.path();
    }

    @Override
    public void close() {
        try {
            if (process != null && process.isAlive()) {
                stop();
            }
        } finally {
            closeClient();
            ShimHostProcesses.killAll(state());
            dir.close();
        }
    }

    /** The shim hosts this berthd started (they outlive it by design), by pid. */
    public List<Long> shimHosts() {
        return ShimHostProcesses.list(state());
    }

    private void closeClient() {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}

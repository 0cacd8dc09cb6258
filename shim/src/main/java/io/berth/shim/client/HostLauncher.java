package io.berth.shim.client;

import io.berth.common.error.InternalException;
import io.berth.common.error.UnavailableException;
import io.berth.shim.HostDir;
import io.berth.shim.api.HostInfo;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/** Starts shim host JVMs, each in its own session so it outlives berthd, and waits until they serve. */
final class HostLauncher {
    private static final String MAIN_CLASS = ShimClient.MAIN_CLASS;
    /** How often a starting host is asked whether it serves yet; a JVM takes a few hundred ms to boot. */
    private static final long POLL_MILLIS = 5;
    /**
     * What systemd gives berthd's service alone. runc takes an inherited NOTIFY_SOCKET as the container's
     * own: it mounts the socket into the container and {@code runc start} waits for the container's READY=1.
     */
    private static final Set<String> SYSTEMD_SERVICE_VARIABLES =
            Set.of("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID");

    private final LaunchOptions options;

    HostLauncher(LaunchOptions options) {
        this.options = options;
    }

    /** The host program's full command line, as started and as an upgrade re-executes it. */
    List<String> command(HostDir dir, String group) {
        List<String> command = new ArrayList<>(List.of(options.javaBinary()));
        command.addAll(options.jvmOptions());
        command.addAll(List.of("-cp", options.classpath(), MAIN_CLASS, "--host", dir.path().toString(), "--group",
                group));
        return command;
    }

    HostHandle start(HostDir dir, String group) throws IOException {
        Files.createDirectories(dir.path(),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.deleteIfExists(dir.pid());
        List<String> argv = new ArrayList<>(List.of("setsid"));
        argv.addAll(command(dir, group));
        // This Process is berthd's child, reaped by berthd's JDK; setsid execs in place, so it is the host.
        ProcessBuilder builder = new ProcessBuilder(argv)
                .redirectInput(new File("/dev/null"))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.log().toFile()))
                .redirectErrorStream(true);
        builder.environment().keySet().removeAll(SYSTEMD_SERVICE_VARIABLES);
        Process process = builder.start();
        int pid = (int) process.pid();
        try {
            awaitServing(dir, group, pid, info -> true, process::isAlive);
        } catch (RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
        options.hostCgroup().ifPresent(cgroup -> cgroup.place(group, pid));
        return new HostHandle(dir, group, pid);
    }

    /** Like {@link #awaitServing(HostDir, String, int, Predicate, BooleanSupplier)} for a host started earlier. */
    void awaitServing(HostDir dir, String group, int pid, Predicate<HostInfo> ready) {
        awaitServing(dir, group, pid, ready, () -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }

    /**
     * Waits until the host of {@code pid} answers on its socket with an info {@code ready} accepts. Whether it
     * still lives is asked of {@code alive}, not of its command line, which is briefly empty while it execs.
     */
    void awaitServing(HostDir dir, String group, int pid, Predicate<HostInfo> ready, BooleanSupplier alive) {
        long deadline = System.nanoTime() + options.startTimeout().toNanos();
        HostHandle probe = new HostHandle(dir, group, pid);
        while (true) {
            if (Files.exists(dir.socket())) {
                try {
                    HostInfo info = probe.info();
                    if (info.getPid() == pid && ready.test(info)) {
                        return;
                    }
                } catch (UnavailableException notYet) {
                    // bound but not accepting yet, or still the old image
                }
            }
            if (!alive.getAsBoolean()) {
                throw new InternalException("shim host " + group + " (pid " + pid + ") exited without serving: "
                        + logTail(dir));
            }
            if (System.nanoTime() > deadline) {
                throw new InternalException("shim host " + group + " did not answer within " + options.startTimeout()
                        + "; see " + dir.log());
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UnavailableException("interrupted while waiting for shim host " + group, e);
            }
        }
    }

    private static String logTail(HostDir dir) {
        try {
            List<String> log = Files.readAllLines(dir.log(), StandardCharsets.UTF_8);
            return String.join("\n", log.subList(Math.max(0, log.size() - 5), log.size()));
        } catch (IOException e) {
            return "no log (" + e.getMessage() + ")";
        }
    }
}

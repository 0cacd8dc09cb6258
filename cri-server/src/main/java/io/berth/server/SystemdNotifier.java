package io.berth.server;

import io.berth.linux.ErrnoException;
import io.berth.linux.UnixDatagrams;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Tells systemd how berthd is doing, by its notify protocol (sd_notify(3)): one datagram of newline-separated
 * {@code KEY=VALUE} lines per call, to the unix socket named by {@code NOTIFY_SOCKET} (a path, or an abstract name
 * when it starts with {@code '@'}). berth.service is {@code Type=notify}, so systemd counts berthd as started, and
 * starts what comes after it (kubelet), only at {@code READY=1}.
 *
 * <p>Without {@code NOTIFY_SOCKET} (not under systemd, or another service type) every call does nothing. A failure
 * to send is logged once and never stops berthd, which serves its socket either way. With {@code WATCHDOG_USEC}
 * (the unit's {@code WatchdogSec=}) a daemon thread sends {@code WATCHDOG=1} at half that interval from
 * {@link #ready} until {@link #stopping}, as sd_watchdog_enabled(3) advises.
 */
public final class SystemdNotifier {
    static final String NOTIFY_SOCKET = "NOTIFY_SOCKET";
    static final String WATCHDOG_USEC = "WATCHDOG_USEC";
    static final String WATCHDOG_PID = "WATCHDOG_PID";
    static final String WATCHDOG_THREAD = "systemd-watchdog";

    private static final Logger LOG = Logger.getLogger(SystemdNotifier.class.getName());

    private final Optional<String> socket;
    private final long pid;
    private final Optional<Duration> watchdogInterval;
    private final AtomicBoolean failureLogged = new AtomicBoolean();
    private ScheduledExecutorService watchdog;

    /** Reads the process environment once. */
    public static SystemdNotifier fromEnvironment() {
        return new SystemdNotifier(System.getenv(), ProcessHandle.current().pid());
    }

    /** {@code environment} holds systemd's variables (or not); {@code pid} is this process, the unit's main one. */
    SystemdNotifier(Map<String, String> environment, long pid) {
        this.pid = pid;
        this.socket = usableSocket(environment.get(NOTIFY_SOCKET));
        this.watchdogInterval = socket.isEmpty() ? Optional.empty() : watchdogInterval(environment, pid);
    }

    /**
     * Startup is done and the CRI socket serves: {@code READY=1}, with {@code status} for systemctl status and
     * this pid as the main one. Starts the watchdog pings when systemd asked for them.
     */
    public synchronized void ready(String status) {
        send("READY=1\nSTATUS=" + oneLine(status) + "\nMAINPID=" + pid);
        watchdogInterval.ifPresent(this::startWatchdog);
    }

    /** A free-form line for systemctl status. */
    public void status(String status) {
        send("STATUS=" + oneLine(status));
    }

    /** berthd has begun to stop: the watchdog pings end, then {@code STOPPING=1}. */
    public synchronized void stopping() {
        if (watchdog != null) {
            watchdog.shutdownNow();
            awaitTermination(watchdog);
            watchdog = null;
        }
        send("STOPPING=1");
    }

    private void startWatchdog(Duration interval) {
        if (watchdog != null) {
            return;
        }
        watchdog = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, WATCHDOG_THREAD);
            thread.setDaemon(true);
            return thread;
        });
        long periodMicros = Math.max(1, interval.toNanos() / 1000 / 2);
        watchdog.scheduleAtFixedRate(() -> send("WATCHDOG=1"), periodMicros, periodMicros, TimeUnit.MICROSECONDS);
    }

    private void send(String message) {
        if (socket.isEmpty()) {
            return;
        }
        try {
            UnixDatagrams.send(socket.get(), message.getBytes(StandardCharsets.UTF_8));
        } catch (ErrnoException | IllegalArgumentException e) {
            logOnce("berthd could not notify systemd through " + NOTIFY_SOCKET + ": " + e.getMessage()
                    + "; it serves regardless, but a Type=notify unit will not see it ready");
        }
    }

    private void logOnce(String message) {
        if (failureLogged.compareAndSet(false, true)) {
            LOG.warning(message);
        } else {
            LOG.fine(message);
        }
    }

    // systemd names a path or an abstract name; newer ones may name a vsock address, which is not a unix socket.
    private Optional<String> usableSocket(String value) {
        if (value == null || value.isEmpty()) {
            return Optional.empty();
        }
        if (value.startsWith("/") || value.startsWith("@")) {
            return Optional.of(value);
        }
        logOnce(NOTIFY_SOCKET + "=" + value + " is neither a path nor an abstract unix socket name; berthd cannot"
                + " notify systemd, and a Type=notify unit will not see it ready");
        return Optional.empty();
    }

    // WATCHDOG_PID, when set, names the process the watchdog is for; a child that inherited it must not ping.
    private static Optional<Duration> watchdogInterval(Map<String, String> environment, long pid) {
        String micros = environment.get(WATCHDOG_USEC);
        String forPid = environment.get(WATCHDOG_PID);
        if (micros == null || (forPid != null && !forPid.equals(Long.toString(pid)))) {
            return Optional.empty();
        }
        try {
            long value = Long.parseLong(micros);
            return value > 0 ? Optional.of(Duration.ofNanos(Math.multiplyExact(value, 1000L))) : Optional.empty();
        } catch (NumberFormatException | ArithmeticException e) {
            LOG.fine("ignoring " + WATCHDOG_USEC + "=" + micros + ": not a positive number of microseconds");
            return Optional.empty();
        }
    }

    // Each line of a message is one KEY=VALUE pair, so a value with a line break in it would add keys.
    private static String oneLine(String value) {
        return value.replace('\n', ' ');
    }

    private static void awaitTermination(ScheduledExecutorService executor) {
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

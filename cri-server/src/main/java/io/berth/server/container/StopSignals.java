package io.berth.server.container;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.Signal;
import io.berth.server.container.spec.ImageProcessDefaults;
import java.util.Locale;
import java.util.Map;

/** The signal that asks a container to stop: the request's, else the image's STOPSIGNAL, else SIGTERM. */
public final class StopSignals {
    private static final Map<String, Integer> NUMBERS = Map.ofEntries(
            Map.entry("SIGHUP", 1), Map.entry("SIGINT", 2), Map.entry("SIGQUIT", 3), Map.entry("SIGILL", 4),
            Map.entry("SIGTRAP", 5), Map.entry("SIGABRT", 6), Map.entry("SIGIOT", 6), Map.entry("SIGBUS", 7),
            Map.entry("SIGFPE", 8), Map.entry("SIGKILL", 9), Map.entry("SIGUSR1", 10), Map.entry("SIGSEGV", 11),
            Map.entry("SIGUSR2", 12), Map.entry("SIGPIPE", 13), Map.entry("SIGALRM", 14), Map.entry("SIGTERM", 15),
            Map.entry("SIGSTKFLT", 16), Map.entry("SIGCHLD", 17), Map.entry("SIGCONT", 18), Map.entry("SIGSTOP", 19),
            Map.entry("SIGTSTP", 20), Map.entry("SIGTTIN", 21), Map.entry("SIGTTOU", 22), Map.entry("SIGURG", 23),
            Map.entry("SIGXCPU", 24), Map.entry("SIGXFSZ", 25), Map.entry("SIGVTALRM", 26), Map.entry("SIGPROF", 27),
            Map.entry("SIGWINCH", 28), Map.entry("SIGIO", 29), Map.entry("SIGPOLL", 29), Map.entry("SIGPWR", 30),
            Map.entry("SIGSYS", 31));

    private static final String PREFIX = "SIGNAL_";

    private StopSignals() {}

    /** The canonical name (e.g. SIGTERM) of the signal to stop this container with. */
    public static String effective(ContainerConfig config, ImageProcessDefaults image) {
        if (config.getStopSignal() != Signal.SIGNAL_RUNTIME_DEFAULT) {
            return canonical(config.getStopSignal());
        }
        if (!image.stopSignal().isEmpty()) {
            return canonical(image.stopSignal(), "image config StopSignal");
        }
        return "SIGTERM";
    }

    /** The CRI enum's value without its {@code SIGNAL_} prefix: {@code SIGNAL_SIGTERM} is SIGTERM. */
    static String canonical(Signal signal) {
        if (signal == Signal.UNRECOGNIZED) {
            throw new InvalidArgumentException("config.stop_signal: unknown signal " + signal.getNumber());
        }
        return signal.name().substring(PREFIX.length());
    }

    /** The CRI enum value for a canonical name, RUNTIME_DEFAULT for none or one the CRI does not list. */
    static Signal toCri(String name) {
        if (name == null || name.isEmpty()) {
            return Signal.SIGNAL_RUNTIME_DEFAULT;
        }
        try {
            return Signal.valueOf(PREFIX + name);
        } catch (IllegalArgumentException e) {
            return Signal.SIGNAL_RUNTIME_DEFAULT;
        }
    }

    /** Accepts "SIGQUIT", "QUIT", "quit" or "3" as images write them. */
    static String canonical(String value, String field) {
        String v = value.trim().toUpperCase(Locale.ROOT);
        if (v.matches("[0-9]{1,2}")) {
            int n = Integer.parseInt(v);
            for (Map.Entry<String, Integer> e : NUMBERS.entrySet()) {
                if (e.getValue() == n && !e.getKey().equals("SIGIOT") && !e.getKey().equals("SIGPOLL")) {
                    return e.getKey();
                }
            }
        }
        String name = v.startsWith("SIG") ? v : "SIG" + v;
        if (!NUMBERS.containsKey(name)) {
            throw new InvalidArgumentException(field + " '" + Require.printable(value) + "' is not a signal");
        }
        return name;
    }

    public static int number(String name) {
        Integer n = NUMBERS.get(name);
        if (n == null) {
            throw new InvalidArgumentException("'" + Require.printable(name) + "' is not a signal");
        }
        return n;
    }
}

package io.berth.shim;

import java.time.Instant;

/** The shim's own log: one line per event on stderr, which the launcher points at {@code shim.log}. */
final class ShimLog {
    private ShimLog() {}

    static void info(String message) {
        line("info", message);
    }

    static void error(String message) {
        line("error", message);
    }

    private static synchronized void line(String level, String message) {
        System.err.println(Instant.now() + " " + level + " " + message);
    }
}

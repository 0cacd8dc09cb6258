package io.berth.server.config;

import java.util.List;
import java.util.logging.Level;

/** The four log levels an operator names, and the java.util.logging level behind each. */
public final class LogLevels {
    private static final List<String> NAMES = List.of("debug", "info", "warn", "error");

    private LogLevels() {}

    /** The level if it is one berthd knows; name is the key or flag that gave it, for the message. */
    static String check(String level, String name) {
        if (!NAMES.contains(level)) {
            throw new ConfigException(name + " '" + level + "' is not one of " + String.join(", ", NAMES));
        }
        return level;
    }

    public static Level toJul(String level) {
        switch (level) {
            case "debug":
                return Level.FINE;
            case "warn":
                return Level.WARNING;
            case "error":
                return Level.SEVERE;
            default:
                return Level.INFO;
        }
    }
}

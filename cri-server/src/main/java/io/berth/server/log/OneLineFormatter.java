package io.berth.server.log;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * One line per event: time, level, logger, message. A stack trace, when there is one, follows on
 * indented lines so that grep for the first line still finds the event.
 */
public final class OneLineFormatter extends Formatter {
    @Override
    public String format(LogRecord r) {
        StringBuilder line = new StringBuilder(160);
        line.append(Instant.ofEpochMilli(r.getMillis())).append(' ')
                .append(levelName(r.getLevel())).append(' ')
                .append(shortName(r.getLoggerName())).append(": ")
                .append(sanitize(formatMessage(r)))
                .append('\n');
        if (r.getThrown() != null) {
            StringWriter trace = new StringWriter();
            r.getThrown().printStackTrace(new PrintWriter(trace));
            for (String t : trace.toString().split("\n")) {
                line.append("    ").append(t).append('\n');
            }
        }
        return line.toString();
    }

    private static String levelName(Level level) {
        int v = level.intValue();
        if (v >= Level.SEVERE.intValue()) {
            return "ERROR";
        } else if (v >= Level.WARNING.intValue()) {
            return "WARN ";
        } else if (v >= Level.INFO.intValue()) {
            return "INFO ";
        }
        return "DEBUG";
    }

    private static String shortName(String logger) {
        if (logger == null) {
            return "-";
        }
        int dot = logger.lastIndexOf('.');
        return dot < 0 ? logger : logger.substring(dot + 1);
    }

    /** Messages may quote container-controlled text; a newline in it must not forge a log line. */
    private static String sanitize(String message) {
        return message == null ? "" : message.replace("\n", "\\n").replace("\r", "\\r");
    }
}

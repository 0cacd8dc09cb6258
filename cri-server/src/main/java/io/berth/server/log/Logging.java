package io.berth.server.log;

import io.berth.server.config.LogLevels;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/** Sends all logging to stderr, one line per event, at the configured level. */
public final class Logging {
    /** Held so the configured level is not lost when the logger would otherwise be collected. */
    private static final Logger BERTH = Logger.getLogger("io.berth");
    private static final Logger NETTY_BOOTSTRAP = Logger.getLogger("io.netty.bootstrap");

    private Logging() {}

    public static void configure(String level) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        Handler stderr = new ConsoleHandler();
        stderr.setFormatter(new OneLineFormatter());
        stderr.setLevel(Level.ALL);
        root.addHandler(stderr);
        Level berth = LogLevels.toJul(level);
        BERTH.setLevel(berth);
        // Library chatter at debug level would drown berth's own lines; their warnings still show.
        root.setLevel(berth.intValue() > Level.WARNING.intValue() ? berth : Level.WARNING);
        // gRPC asks for SO_KEEPALIVE on every accepted channel; unix sockets have no such option and Netty
        // warns about it once per connection.
        NETTY_BOOTSTRAP.setLevel(Level.SEVERE);
    }
}

package io.berth.server;

import io.berth.linux.Posix;
import io.berth.server.config.BerthConfig;
import io.berth.server.config.ConfigException;
import io.berth.server.config.ConfigLoader;
import io.berth.server.config.ConfigProblem;
import io.berth.server.config.ConfigWriter;
import io.berth.server.config.DefaultConfig;
import io.berth.server.failpoint.FailPoint;
import io.berth.server.log.Logging;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;
import sun.misc.Signal;

/** berthd's entry point: flags, config, start, and a graceful stop on SIGTERM or SIGINT. */
public final class Berthd {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;

    private Berthd() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        // Before the config is read: the classes the later steps need load on a second core meanwhile.
        StartupPreload.begin();
        CommandLine cli;
        try {
            cli = CommandLine.parse(args);
        } catch (CommandLine.UsageException e) {
            err.println("berthd: " + e.getMessage());
            return EXIT_USAGE;
        }
        if (cli.help()) {
            out.print(CommandLine.USAGE);
            return EXIT_OK;
        }
        if (cli.version()) {
            out.println("berthd " + BuildInfo.version());
            return EXIT_OK;
        }
        if (cli.command() != CommandLine.Command.DAEMON) {
            return runConfigCommand(cli, out, err);
        }
        BerthConfig config;
        try {
            config = effectiveConfig(cli);
        } catch (ConfigException e) {
            err.println("berthd: " + e.getMessage());
            return EXIT_FAILURE;
        }
        Logging.configure(config.logLevel());
        try {
            Logger log = Logger.getLogger(Berthd.class.getName());
            FailPoint.armed().ifPresent(p -> log.warning("test-only fail point " + p.id() + " is armed (-D"
                    + FailPoint.PROPERTY + "): berthd kills itself when it reaches it"));
            FailPoint.armingFile().ifPresent(f -> log.warning("test-only fail points are armed by the file " + f
                    + " (-D" + FailPoint.FILE_PROPERTY + "): berthd kills itself at the point it names"));
        } catch (IllegalArgumentException e) {
            err.println("berthd: " + e.getMessage());
            return EXIT_USAGE;
        }
        // Everything berthd creates is root's alone unless a file's mode is set on purpose (the socket).
        Posix.umask(0077);
        CountDownLatch stopRequested = new CountDownLatch(1);
        Posix.restoreDefaultDisposition(Posix.SIGTERM);
        Posix.restoreDefaultDisposition(Posix.SIGINT);
        Signal.handle(new Signal("TERM"), s -> stopRequested.countDown());
        Signal.handle(new Signal("INT"), s -> stopRequested.countDown());
        SystemdNotifier systemd = SystemdNotifier.fromEnvironment();
        Daemon daemon;
        try {
            daemon = Daemon.start(config);
        } catch (IOException | RuntimeException e) {
            Logger.getLogger(Berthd.class.getName()).log(Level.FINE, "startup failed", e);
            err.println("berthd: " + e.getMessage());
            return EXIT_FAILURE;
        }
        systemd.ready("serving CRI on unix://" + config.socket());
        try {
            stopRequested.await();
            systemd.stopping();
            daemon.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            err.println("berthd: stopping: " + e.getMessage());
            return EXIT_FAILURE;
        }
        return EXIT_OK;
    }

    /** berthd config default, check or dump: prints, and never starts the daemon. */
    private static int runConfigCommand(CommandLine cli, PrintStream out, PrintStream err) {
        try {
            return switch (cli.command()) {
                case CONFIG_DEFAULT -> {
                    out.print(DefaultConfig.text());
                    yield EXIT_OK;
                }
                case CONFIG_CHECK -> check(cli.file().orElseThrow(), out);
                case CONFIG_DUMP -> {
                    out.print(ConfigWriter.toToml(effectiveConfig(cli)));
                    yield EXIT_OK;
                }
                case DAEMON -> throw new IllegalArgumentException("not a config command");
            };
        } catch (ConfigException e) {
            err.println("berthd: " + e.getMessage());
            return EXIT_FAILURE;
        }
    }

    private static int check(Path file, PrintStream out) {
        List<ConfigProblem> problems = ConfigLoader.check(file);
        problems.forEach(problem -> out.println(problem.format(file.toString())));
        if (problems.isEmpty()) {
            out.println(file + ": ok");
            return EXIT_OK;
        }
        return EXIT_FAILURE;
    }

    static BerthConfig effectiveConfig(CommandLine cli) {
        BerthConfig base = cli.config().map(ConfigLoader::load).orElseGet(ConfigLoader::defaults);
        BerthConfig withPaths = base.withPaths(cli.root().orElse(base.root()), cli.state().orElse(base.state()),
                cli.socket().orElse(base.socket()));
        return cli.logLevel().map(withPaths::withLogLevel).orElse(withPaths);
    }
}

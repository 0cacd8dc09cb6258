package io.berth.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * berthd's command line: the daemon's flags, or a {@code config} subcommand. Anything not listed is a usage
 * error, so a typo never runs with a default.
 *
 * @param file the FILE of {@code config check}, as typed, so that problems name it as the operator did
 */
record CommandLine(Command command, Optional<Path> file, Optional<Path> config, Optional<Path> socket,
        Optional<Path> root, Optional<Path> state, Optional<String> logLevel, boolean help, boolean version) {

    /** What berthd was asked to do. */
    enum Command {
        DAEMON,
        CONFIG_DEFAULT,
        CONFIG_CHECK,
        CONFIG_DUMP
    }

    static final String USAGE = String.join("\n",
            "Usage: berthd [flags]",
            "       berthd config default",
            "       berthd config check FILE",
            "       berthd config dump [flags]",
            "",
            "berthd serves the Kubernetes CRI (runtime.v1) on a unix socket.",
            "",
            "Commands:",
            "  config default     print the default configuration: every key, its default and what it does",
            "  config check FILE  check a configuration file; print each problem as FILE:LINE: message",
            "                     and exit 1 if there is any, else print FILE: ok",
            "  config dump        print the configuration berthd would run with, from --config and the flags",
            "",
            "Flags:",
            "  --config FILE      TOML configuration file (optional; every key has a default)",
            "  --socket PATH      CRI socket path (default /run/berth/berth.sock)",
            "  --root DIR         persistent state: images, snapshots, records (default /var/lib/berth)",
            "  --state DIR        runtime state: bundles, shim sockets (default /run/berth)",
            "  --log-level LEVEL  debug, info, warn or error (default info)",
            "  --help             print this help and exit",
            "  --version          print the version and exit",
            "");

    private static final String SUBCOMMANDS = "default, check FILE or dump [flags]";

    /** Thrown for a bad command line; berthd exits 2 with the message. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static CommandLine parse(String... args) throws UsageException {
        Command command = Command.DAEMON;
        int first = 0;
        if (args.length > 0 && args[0].equals("config")) {
            command = configCommand(args.length > 1 ? args[1] : null);
            first = command == Command.DAEMON ? 1 : 2;
        }
        Map<String, String> values = new TreeMap<>();
        List<String> operands = new ArrayList<>();
        boolean help = false;
        boolean version = false;
        for (int i = first; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            switch (name) {
                case "--help", "-h" -> help = true;
                case "--version" -> version = true;
                case "--config", "--socket", "--root", "--state", "--log-level" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new UsageException("flag " + name + " needs a value");
                        }
                        value = args[++i];
                    }
                    if (value.isEmpty()) {
                        throw new UsageException("flag " + name + " needs a non-empty value");
                    }
                    values.put(name, value);
                }
                default -> {
                    if (arg.startsWith("-")) {
                        throw new UsageException("unknown flag " + arg + " (see berthd --help)");
                    }
                    operands.add(arg);
                }
            }
        }
        if (!help && !version) {
            checkArguments(command, values.keySet(), operands);
        }
        Optional<Path> file = command == Command.CONFIG_CHECK ? operands.stream().findFirst().map(Path::of)
                : Optional.empty();
        return new CommandLine(command, file, path(values, "--config"), path(values, "--socket"),
                path(values, "--root"), path(values, "--state"), Optional.ofNullable(values.get("--log-level")),
                help, version);
    }

    /** The config subcommand named; DAEMON stands for "none yet" when only --help or --version may follow. */
    private static Command configCommand(String name) throws UsageException {
        if (name == null) {
            throw new UsageException("config needs a subcommand: " + SUBCOMMANDS + " (see berthd --help)");
        }
        return switch (name) {
            case "default" -> Command.CONFIG_DEFAULT;
            case "check" -> Command.CONFIG_CHECK;
            case "dump" -> Command.CONFIG_DUMP;
            case "--help", "-h", "--version" -> Command.DAEMON;
            default -> throw new UsageException("unknown config subcommand '" + name + "': use " + SUBCOMMANDS);
        };
    }

    private static void checkArguments(Command command, Iterable<String> flags, List<String> operands)
            throws UsageException {
        boolean anyFlag = flags.iterator().hasNext();
        switch (command) {
            case DAEMON, CONFIG_DUMP -> {
                if (!operands.isEmpty()) {
                    String arg = operands.get(0);
                    throw new UsageException("unexpected argument '" + arg + "'" + (arg.equals("config")
                            ? ": a subcommand comes first, as in berthd config dump --config FILE"
                            : " (see berthd --help)"));
                }
            }
            case CONFIG_DEFAULT -> {
                if (anyFlag || !operands.isEmpty()) {
                    throw new UsageException("config default takes no arguments; config dump applies flags");
                }
            }
            case CONFIG_CHECK -> {
                if (anyFlag) {
                    throw new UsageException("config check takes only a FILE, no flags");
                }
                if (operands.size() != 1) {
                    throw new UsageException("config check takes one FILE, not " + operands.size()
                            + " (berthd config check FILE)");
                }
            }
        }
    }

    private static Optional<Path> path(Map<String, String> values, String flag) {
        return Optional.ofNullable(values.get(flag)).map(v -> Path.of(v).toAbsolutePath().normalize());
    }
}

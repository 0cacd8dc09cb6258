package io.berth.server;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** berthd's flags. Anything not listed is a usage error, so a typo never runs with a default. */
record CommandLine(Optional<Path> config, Optional<Path> socket, Optional<Path> root, Optional<Path> state,
        Optional<String> logLevel, boolean help, boolean version) {

    static final String USAGE = String.join("\n",
            "Usage: berthd [flags]",
            "",
            "berthd serves the Kubernetes CRI (runtime.v1) on a unix socket.",
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

    /** Thrown for a bad command line; berthd exits 2 with the message. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static CommandLine parse(String... args) throws UsageException {
        Map<String, String> values = new TreeMap<>();
        boolean help = false;
        boolean version = false;
        for (int i = 0; i < args.length; i++) {
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
                default -> throw new UsageException("unknown flag " + arg + " (see berthd --help)");
            }
        }
        return new CommandLine(path(values, "--config"), path(values, "--socket"), path(values, "--root"),
                path(values, "--state"), Optional.ofNullable(values.get("--log-level")), help, version);
    }

    private static Optional<Path> path(Map<String, String> values, String flag) {
        return Optional.ofNullable(values.get(flag)).map(v -> Path.of(v).toAbsolutePath().normalize());
    }
}

package io.berth.server.admin.cli;

import io.berth.server.admin.AdminServer;
import io.berth.server.config.BerthConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One berthctl command line, parsed: which socket, which command, its operands. */
record Invocation(Path socket, Command command, boolean json, List<String> operands) {
    static final Path DEFAULT_SOCKET = BerthConfig.DEFAULT_STATE.resolve(AdminServer.SOCKET_NAME);

    static final String USAGE = String.join("\n",
            "Usage: berthctl [--socket PATH] COMMAND",
            "",
            "berthctl talks to berthd's admin socket (root only) for what the CRI does not cover;",
            "use crictl for pods, containers and pulls.",
            "",
            "Commands:",
            "  version [--json]                  berthd's version, build, CRI API and runtime handlers",
            "  health [--json]                   runtime and network conditions, shim hosts, disks",
            "  debug dump [--json]               every sandbox and container with its files and dirs",
            "  images import FILE [FILE...]      import the images of tar archives (docker save, OCI layout);",
            "                                    FILE - reads standard input",
            "  images export REF FILE            write an image as a tar archive; FILE - writes standard output",
            "",
            "Flags:",
            "  --socket PATH   the admin socket (default " + DEFAULT_SOCKET + ")",
            "  --json          print the answer as JSON (version, health, debug dump)",
            "  --help          print this help",
            "",
            "Exit status: 0 done, 1 berthd answered with an error (its gRPC code is printed), 2 usage error.",
            "");

    enum Command {
        HELP, VERSION, HEALTH, DEBUG_DUMP, IMAGES_IMPORT, IMAGES_EXPORT
    }

    /** A command line berthctl cannot run; exit status 2. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static Invocation parse(String... args) throws UsageException {
        Path socket = DEFAULT_SOCKET;
        boolean json = false;
        boolean help = false;
        boolean flagsEnded = false;
        List<String> words = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (flagsEnded || arg.equals("-") || !arg.startsWith("-")) {
                words.add(arg);
            } else if (arg.equals("--")) {
                flagsEnded = true;
            } else if (arg.equals("--help") || arg.equals("-h")) {
                help = true;
            } else if (arg.equals("--json")) {
                json = true;
            } else if (arg.startsWith("--socket=")) {
                socket = socketPath(arg.substring("--socket=".length()));
            } else if (arg.equals("--socket")) {
                socket = socketPath(i + 1 < args.length ? args[++i] : "");
            } else {
                throw new UsageException("unknown flag " + arg + " (see berthctl --help)");
            }
        }
        if (help || words.isEmpty() || words.get(0).equals("help")) {
            return new Invocation(socket, Command.HELP, false, List.of());
        }
        return command(socket, json, words);
    }

    private static Path socketPath(String value) throws UsageException {
        if (value.isEmpty()) {
            throw new UsageException("--socket needs a path");
        }
        return Path.of(value);
    }

    private static Invocation command(Path socket, boolean json, List<String> words) throws UsageException {
        String first = words.get(0);
        List<String> rest = words.subList(1, words.size());
        switch (first) {
            case "version":
                return jsonCapable(socket, Command.VERSION, json, rest, "version");
            case "health":
                return jsonCapable(socket, Command.HEALTH, json, rest, "health");
            case "debug":
                if (rest.isEmpty() || !rest.get(0).equals("dump")) {
                    throw new UsageException("debug needs a subcommand: debug dump");
                }
                return jsonCapable(socket, Command.DEBUG_DUMP, json, rest.subList(1, rest.size()), "debug dump");
            case "images":
                return images(socket, json, rest);
            default:
                throw new UsageException("unknown command '" + first + "' (see berthctl --help)");
        }
    }

    private static Invocation jsonCapable(Path socket, Command command, boolean json, List<String> operands,
            String name) throws UsageException {
        if (!operands.isEmpty()) {
            throw new UsageException(name + " takes no arguments, got '" + operands.get(0) + "'");
        }
        return new Invocation(socket, command, json, List.of());
    }

    private static Invocation images(Path socket, boolean json, List<String> words) throws UsageException {
        if (json) {
            throw new UsageException("--json is for version, health and debug dump");
        }
        String sub = words.isEmpty() ? "" : words.get(0);
        List<String> operands = words.isEmpty() ? List.of() : List.copyOf(words.subList(1, words.size()));
        switch (sub) {
            case "import":
                if (operands.isEmpty()) {
                    throw new UsageException("images import needs at least one FILE (- for standard input)");
                }
                if (operands.stream().filter("-"::equals).count() > 1) {
                    throw new UsageException("images import can read standard input (-) only once");
                }
                return new Invocation(socket, Command.IMAGES_IMPORT, false, operands);
            case "export":
                if (operands.size() != 2) {
                    throw new UsageException("images export needs REF and FILE (- for standard output)");
                }
                return new Invocation(socket, Command.IMAGES_EXPORT, false, operands);
            default:
                throw new UsageException("images needs a subcommand: images import FILE..., images export REF FILE");
        }
    }
}

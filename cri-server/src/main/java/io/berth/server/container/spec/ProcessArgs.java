package io.berth.server.container.spec;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The argv and working directory of a container's first process, with kubelet's command/args semantics. */
public final class ProcessArgs {
    /**
     * The kernel's MAX_ARG_STRLEN (32 pages, the NUL included): execve fails with E2BIG for a longer argument or
     * environment entry whatever the limits, and the container would only exit with runc's error in its log.
     */
    static final int MAX_ARG_STRLEN = 32 * 4096;

    private ProcessArgs() {}

    /** Refused at create with the rule, rather than a container that fails its exec at start. */
    static void refuseUnexecutable(String s, String what) {
        int bytes = s.getBytes(StandardCharsets.UTF_8).length + 1;
        if (bytes > MAX_ARG_STRLEN) {
            throw new InvalidArgumentException(what + " of " + bytes + " bytes is longer than execve takes ("
                    + MAX_ARG_STRLEN + " bytes, the kernel's MAX_ARG_STRLEN): '" + Require.printable(s) + "'");
        }
    }

    /**
     * Kubernetes {@code command} replaces the image ENTRYPOINT and, when given, also discards the image CMD
     * (only the request's {@code args} follow it); {@code args} alone replace CMD after the image ENTRYPOINT.
     */
    public static List<String> argv(List<String> command, List<String> args, ImageProcessDefaults image) {
        List<String> argv = new ArrayList<>();
        if (!command.isEmpty()) {
            argv.addAll(command);
            argv.addAll(args);
        } else {
            argv.addAll(image.entrypoint());
            argv.addAll(args.isEmpty() ? image.cmd() : args);
        }
        if (argv.isEmpty() || argv.get(0).isEmpty()) {
            throw new InvalidArgumentException("config.command: no command specified: neither the request"
                    + " (command/args) nor the image (Entrypoint/Cmd) names a program to run");
        }
        for (String a : argv) {
            if (a.indexOf('\0') >= 0) {
                throw new InvalidArgumentException("config.command/args: an argument contains a NUL character");
            }
            refuseUnexecutable(a, "config.command/args (or the image's Entrypoint/Cmd): an argument");
        }
        return List.copyOf(argv);
    }

    /** The request's {@code working_dir}, else the image's {@code WorkingDir}, else {@code /}. */
    public static String workingDir(String requested, ImageProcessDefaults image) {
        if (!requested.isEmpty()) {
            return absolute(requested, "config.working_dir");
        }
        if (!image.workingDir().isEmpty()) {
            return absolute(image.workingDir(), "image config WorkingDir");
        }
        return "/";
    }

    private static String absolute(String dir, String field) {
        // runc refuses a relative cwd at start; saying so at create names the field that is wrong.
        if (!dir.startsWith("/") || dir.indexOf('\0') >= 0) {
            throw new InvalidArgumentException(field + ": working directory '" + dir + "' is not an absolute path");
        }
        return dir;
    }
}

package io.berth.server.container.spec;

import io.berth.common.error.InvalidArgumentException;
import java.util.ArrayList;
import java.util.List;

/** The argv and working directory of a container's first process, with kubelet's command/args semantics. */
public final class ProcessArgs {
    private ProcessArgs() {}

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

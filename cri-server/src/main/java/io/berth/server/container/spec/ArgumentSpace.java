package io.berth.server.container.spec;

import io.berth.common.error.InvalidArgumentException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.logging.Logger;

/**
 * The room execve gives a new program's arguments and environment together, as the kernel reckons it
 * ({@code bprm_stack_limits} in fs/exec.c): a quarter of the stack's soft limit, at most three quarters of the
 * kernel's 8 MiB default stack, at least 32 pages; every string with its NUL and one pointer per string count
 * against it, and so does the path of the program. A container's environment over it would be created and then
 * fail its exec at start with E2BIG, the reason only in runc's log; berth refuses it at create instead.
 *
 * @param bytes the room, in bytes
 */
public record ArgumentSpace(long bytes) {
    private static final Logger LOG = Logger.getLogger(ArgumentSpace.class.getName());
    /** The kernel's _STK_LIM, its default stack limit. */
    private static final long DEFAULT_STACK = 8L * 1024 * 1024;
    /** The kernel's ARG_MAX: the room a program has whatever its stack limit. */
    private static final long FLOOR = 32 * 4096;
    /**
     * The program's path is copied in as well; berth does not know it at create when argv[0] is found through
     * PATH, so it counts the longest path Linux takes.
     */
    static final long PROGRAM_PATH = 4096;

    /** The room under the default 8 MiB stack limit: 2 MiB. */
    public static final ArgumentSpace DEFAULT = forStackLimit(DEFAULT_STACK);

    /**
     * The room for a process whose stack soft limit is {@code stackSoftLimit} bytes ({@link Long#MAX_VALUE} for
     * unlimited). Containers get berthd's limit: the OCI spec berth writes sets no rlimits, so runc passes on the
     * shim host's, which the host took from berthd.
     */
    public static ArgumentSpace forStackLimit(long stackSoftLimit) {
        long room = Math.min(DEFAULT_STACK / 4 * 3, stackSoftLimit / 4);
        return new ArgumentSpace(Math.max(room, FLOOR));
    }

    /**
     * The room under the stack soft limit that {@code limits}, the text of {@code /proc/<pid>/limits}, gives ("Max
     * stack size  8388608  unlimited  bytes"); under the kernel's default when that line cannot be read.
     */
    public static ArgumentSpace fromLimits(String limits) {
        for (String line : limits.split("\n")) {
            if (line.startsWith("Max stack size")) {
                String soft = line.substring("Max stack size".length()).trim().split("\\s+")[0];
                if (soft.equals("unlimited")) {
                    return forStackLimit(Long.MAX_VALUE);
                }
                try {
                    return forStackLimit(Long.parseLong(soft));
                } catch (NumberFormatException e) {
                    break;
                }
            }
        }
        LOG.warning("cannot read the stack limit from /proc/self/limits; assuming the kernel's default of 8 MiB");
        return DEFAULT;
    }

    /** Refuses an argv and environment that execve would refuse with E2BIG, naming the sizes and the rule. */
    void check(List<String> argv, List<String> env) {
        long strings = PROGRAM_PATH + bytes(argv) + bytes(env);
        long pointers = (long) (argv.size() + env.size()) * Long.BYTES;
        if (strings + pointers > bytes) {
            throw new InvalidArgumentException("config.command/args and config.envs (with the image's Entrypoint,"
                    + " Cmd and Env) need " + (strings - PROGRAM_PATH + pointers) + " bytes (arguments: " + argv.size()
                    + ", environment entries: " + env.size() + ", " + bytes(env) + " bytes of it the environment);"
                    + " execve gives a program at most " + bytes + " bytes for both, a quarter of the stack limit"
                    + " that berthd's containers inherit, and " + PROGRAM_PATH + " of them are kept for its path:"
                    + " the container could not start");
        }
    }

    private static long bytes(List<String> strings) {
        long total = 0;
        for (String s : strings) {
            total += s.getBytes(StandardCharsets.UTF_8).length + 1;
        }
        return total;
    }
}

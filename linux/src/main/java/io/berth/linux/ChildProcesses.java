package io.berth.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starting and reaping children for a process that must be their only reaper (the shim). It never
 * uses {@code ProcessBuilder}: the JDK would start its own reaper thread racing ours for exit statuses.
 */
public final class ChildProcesses {
    private ChildProcesses() {}

    /** How a child ended, decoded from the raw {@code waitpid} status. */
    public record WaitStatus(int pid, int raw) {
        public boolean exited() {
            return (raw & 0x7f) == 0;
        }

        public boolean signaled() {
            int low = raw & 0x7f;
            return low != 0 && low != 0x7f;
        }

        /** The exit code, or 0 for a death by signal. */
        public int exitCode() {
            return exited() ? (raw >> 8) & 0xff : 0;
        }

        /** The killing signal, or 0 for a normal exit. */
        public int signal() {
            return signaled() ? raw & 0x7f : 0;
        }

        /** What a shell reports in {@code $?}: the exit code, or 128 + signal. */
        public int shellExitCode() {
            return signaled() ? 128 + signal() : exitCode();
        }
    }

    /**
     * Spawns {@code argv} with the given descriptors as its stdin, stdout and stderr; every other
     * descriptor is closed in the child, its signal mask is empty and every signal has its default
     * action, whatever the JVM set. {@code program} without a slash is looked up in this process's PATH.
     */
    public static int spawn(String program, List<String> argv, Map<String, String> env, int stdin, int stdout,
            int stderr) throws ErrnoException {
        return spawn(program, argv, env, stdin, stdout, stderr, false);
    }

    /**
     * {@link #spawn}, and with {@code ownGroup} the child leads a new process group (its pgid is its pid), so that
     * {@link Posix#killProcessGroup} reaches whatever it forked too: a helper that hangs is then ended whole.
     */
    public static int spawn(String program, List<String> argv, Map<String, String> env, int stdin, int stdout,
            int stderr, boolean ownGroup) throws ErrnoException {
        String call = "posix_spawn(" + program + ")";
        try (Memory actions = new Memory(ProcessCalls.FILE_ACTIONS_BYTES);
                Memory attr = new Memory(ProcessCalls.SPAWN_ATTR_BYTES);
                Memory sigs = new Memory(ProcessCalls.SIGSET_BYTES);
                Memory pid = new Memory(4)) {
            check(call, ProcessCalls.posix_spawn_file_actions_init(actions));
            try {
                check(call, ProcessCalls.posix_spawnattr_init(attr));
                try {
                    check(call, ProcessCalls.posix_spawn_file_actions_adddup2(actions, stdin, 0));
                    check(call, ProcessCalls.posix_spawn_file_actions_adddup2(actions, stdout, 1));
                    check(call, ProcessCalls.posix_spawn_file_actions_adddup2(actions, stderr, 2));
                    // The JVM opens files without O_CLOEXEC; none of them belongs in the child.
                    check(call, ProcessCalls.posix_spawn_file_actions_addclosefrom_np(actions, 3));
                    ProcessCalls.sigemptyset(sigs);
                    check(call, ProcessCalls.posix_spawnattr_setsigmask(attr, sigs));
                    ProcessCalls.sigfillset(sigs);
                    check(call, ProcessCalls.posix_spawnattr_setsigdefault(attr, sigs));
                    check(call, ProcessCalls.posix_spawnattr_setflags(attr,
                            (short) (ProcessCalls.POSIX_SPAWN_SETSIGMASK | ProcessCalls.POSIX_SPAWN_SETSIGDEF
                                    | (ownGroup ? ProcessCalls.POSIX_SPAWN_SETPGROUP : 0))));
                    StringArray args = new StringArray(argv.toArray(String[]::new));
                    StringArray envp = new StringArray(env.entrySet().stream()
                            .map(e -> e.getKey() + "=" + e.getValue()).toArray(String[]::new));
                    int rc = program.contains("/")
                            ? ProcessCalls.posix_spawn(pid, program, actions, attr, args, envp)
                            : ProcessCalls.posix_spawnp(pid, program, actions, attr, args, envp);
                    check(call, rc);
                    return pid.getInt(0);
                } finally {
                    ProcessCalls.posix_spawnattr_destroy(attr);
                }
            } finally {
                ProcessCalls.posix_spawn_file_actions_destroy(actions);
            }
        }
    }

    /**
     * Blocks until any child exits and reaps it. With no child at all this throws
     * {@link ErrnoException#ECHILD}. Interrupted waits are retried.
     */
    public static WaitStatus waitAny() throws ErrnoException {
        return waitFor(-1);
    }

    /** Blocks until the child {@code pid} exits and reaps it. */
    public static WaitStatus waitFor(int pid) throws ErrnoException {
        try (Memory status = new Memory(4)) {
            while (true) {
                try {
                    int reaped = ProcessCalls.waitpid(pid, status, 0);
                    return new WaitStatus(reaped, status.getInt(0));
                } catch (LastErrorException e) {
                    if (e.getErrorCode() != ErrnoException.EINTR) {
                        throw new ErrnoException("waitpid(" + pid + ")", e.getErrorCode());
                    }
                }
            }
        }
    }

    /**
     * Reaps the child {@code pid} if it has exited, without blocking. Empty while it still runs, and also
     * when there is no such child (ECHILD): someone else reaped it, or it never was ours.
     */
    public static Optional<WaitStatus> waitNoHang(int pid) throws ErrnoException {
        return reapIfExited(pid);
    }

    /**
     * Reaps one exited child, any of them, without blocking; empty when none has exited or there are no
     * children at all. Call until empty to reap everything that is ready.
     */
    public static Optional<WaitStatus> waitAnyNoHang() throws ErrnoException {
        return reapIfExited(-1);
    }

    private static Optional<WaitStatus> reapIfExited(int pid) throws ErrnoException {
        try (Memory status = new Memory(4)) {
            while (true) {
                try {
                    int reaped = ProcessCalls.waitpid(pid, status, ProcessCalls.WNOHANG);
                    return reaped == 0 ? Optional.empty() : Optional.of(new WaitStatus(reaped, status.getInt(0)));
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == ErrnoException.ECHILD) {
                        return Optional.empty();
                    }
                    if (e.getErrorCode() != ErrnoException.EINTR) {
                        throw new ErrnoException("waitpid(" + pid + ", WNOHANG)", e.getErrorCode());
                    }
                }
            }
        }
    }

    /**
     * Makes orphaned descendants re-parent to this process instead of init, so that a container's init
     * becomes our child once the runtime that created it exits.
     */
    public static void becomeChildSubreaper() throws ErrnoException {
        try {
            ProcessCalls.prctl(ProcessCalls.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        } catch (LastErrorException e) {
            throw new ErrnoException("prctl(PR_SET_CHILD_SUBREAPER)", e.getErrorCode());
        }
    }

    public static boolean isChildSubreaper() throws ErrnoException {
        try (Memory flag = new Memory(4)) {
            flag.setInt(0, 0);
            ProcessCalls.prctl(ProcessCalls.PR_GET_CHILD_SUBREAPER, Pointer.nativeValue(flag), 0, 0, 0);
            return flag.getInt(0) != 0;
        } catch (LastErrorException e) {
            throw new ErrnoException("prctl(PR_GET_CHILD_SUBREAPER)", e.getErrorCode());
        }
    }

    private static void check(String call, int rc) throws ErrnoException {
        if (rc != 0) {
            throw new ErrnoException(call, rc);
        }
    }
}

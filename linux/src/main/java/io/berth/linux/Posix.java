package io.berth.linux;

import com.sun.jna.LastErrorException;

/** Process identity, signals and file modes: the small POSIX surface berthd needs on every host. */
public final class Posix {
    public static final int SIGKILL = 9;
    public static final int SIGINT = 2;
    public static final int SIGTERM = 15;
    private static final long SIG_DFL = 0;

    private Posix() {}

    public static int uid() {
        return LibcCalls.getuid();
    }

    public static int euid() {
        return LibcCalls.geteuid();
    }

    public static int pid() {
        return LibcCalls.getpid();
    }

    /** Sends a signal; a missing process is {@link ErrnoException#ESRCH}. */
    public static void kill(int pid, int signal) throws ErrnoException {
        if (pid <= 0) {
            // kill(0) and kill(-n) address process groups: that is killProcessGroup, said on purpose.
            throw new IllegalArgumentException("refusing to signal pid " + pid + ": not a single process");
        }
        try {
            LibcCalls.kill(pid, signal);
        } catch (LastErrorException e) {
            throw new ErrnoException("kill(" + pid + ", " + signal + ")", e.getErrorCode());
        }
    }

    /**
     * Signals every process of the process group {@code pgid} ({@code kill(-pgid, signal)}); a group that no
     * longer exists is {@link ErrnoException#ESRCH}. Only a group id that is the pid of a process berth started
     * and has not reaped names a group of that process, so callers pass exactly such a pid.
     */
    public static void killProcessGroup(int pgid, int signal) throws ErrnoException {
        if (pgid <= 1) {
            throw new IllegalArgumentException("refusing to signal process group " + pgid);
        }
        try {
            LibcCalls.kill(-pgid, signal);
        } catch (LastErrorException e) {
            throw new ErrnoException("kill(-" + pgid + ", " + signal + ")", e.getErrorCode());
        }
    }

    /**
     * Whether a process with this pid exists. EPERM means it exists but belongs to someone else, which
     * still counts as alive.
     */
    public static boolean isAlive(int pid) {
        try {
            kill(pid, 0);
            return true;
        } catch (ErrnoException e) {
            return e.errno() == ErrnoException.EPERM;
        }
    }

    /** Sets the process umask and returns the previous one. */
    public static int umask(int mask) {
        return LibcCalls.umask(mask);
    }

    /**
     * Gives {@code signal} its default disposition back if whoever started this process ignored it. A shell
     * without job control starts background commands with SIGINT and SIGQUIT ignored, and the JVM then refuses
     * to handle a shutdown signal it finds ignored, silently; a daemon that must stop on the signal calls this
     * before registering its handler (Go's signal.Notify does the same).
     */
    public static void restoreDefaultDisposition(int signal) {
        LibcCalls.signal(signal, SIG_DFL);
    }

    public static void chmod(String path, int mode) throws ErrnoException {
        try {
            LibcCalls.chmod(path, mode);
        } catch (LastErrorException e) {
            throw new ErrnoException("chmod(" + path + ", 0" + Integer.toOctalString(mode) + ")", e.getErrorCode());
        }
    }
}

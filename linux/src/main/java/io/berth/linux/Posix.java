package io.berth.linux;

import com.sun.jna.LastErrorException;

/** Process identity, signals and file modes: the small POSIX surface berthd needs on every host. */
public final class Posix {
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;

    private Posix() {}

    public static int uid() {
        return LibC.getuid();
    }

    public static int euid() {
        return LibC.geteuid();
    }

    public static int pid() {
        return LibC.getpid();
    }

    /** Sends a signal; a missing process is {@link ErrnoException#ESRCH}. */
    public static void kill(int pid, int signal) throws ErrnoException {
        if (pid <= 0) {
            // kill(0) and kill(-n) address process groups; berth only ever signals one process.
            throw new IllegalArgumentException("refusing to signal pid " + pid + ": not a single process");
        }
        try {
            LibC.kill(pid, signal);
        } catch (LastErrorException e) {
            throw new ErrnoException("kill(" + pid + ", " + signal + ")", e.getErrorCode());
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
        return LibC.umask(mask);
    }

    public static void chmod(String path, int mode) throws ErrnoException {
        try {
            LibC.chmod(path, mode);
        } catch (LastErrorException e) {
            throw new ErrnoException("chmod(" + path + ", 0" + Integer.toOctalString(mode) + ")", e.getErrorCode());
        }
    }
}

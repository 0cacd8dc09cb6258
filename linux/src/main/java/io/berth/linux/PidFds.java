package io.berth.linux;

import com.sun.jna.LastErrorException;

/**
 * Process descriptors (pidfd_open(2)): a descriptor that names one process for good, so a signal sent
 * through it can never reach an unrelated process that reused the pid after a reap. It becomes readable
 * ({@link Epoll#IN}) when the process exits, which lets an event loop watch exits without SIGCHLD.
 * Needs Linux 5.3 or later.
 */
public final class PidFds {
    private PidFds() {}

    /** A close-on-exec pidfd for {@code pid}; a process that no longer exists is {@link ErrnoException#ESRCH}. */
    public static int open(int pid) throws ErrnoException {
        if (pid <= 0) {
            throw new IllegalArgumentException("not a single process: pid " + pid);
        }
        try {
            // pidfd_open sets O_CLOEXEC on its own; flags 0 asks for nothing else.
            return (int) ProcessCalls.syscall(ProcessCalls.SYS_PIDFD_OPEN, pid, 0, 0, 0);
        } catch (LastErrorException e) {
            throw new ErrnoException("pidfd_open(" + pid + ")", e.getErrorCode());
        }
    }

    /** Sends {@code signal} to the process the pidfd names; one that has been reaped is {@link ErrnoException#ESRCH}. */
    public static void sendSignal(int pidfd, int signal) throws ErrnoException {
        try {
            ProcessCalls.syscall(ProcessCalls.SYS_PIDFD_SEND_SIGNAL, pidfd, signal, 0, 0);
        } catch (LastErrorException e) {
            throw new ErrnoException("pidfd_send_signal(" + pidfd + ", " + signal + ")", e.getErrorCode());
        }
    }
}

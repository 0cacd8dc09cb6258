package io.berth.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * libc entry points for starting and reaping child processes without the JDK's process machinery:
 * posix_spawn (glibc uses clone(CLONE_VM|CLONE_VFORK) + exec, so no JVM state is duplicated),
 * waitpid, prctl, the pidfd system calls and execve. Package-private; {@link ChildProcesses} is the facade.
 */
final class ProcessCalls {
    static {
        Native.register(ProcessCalls.class, "c");
    }

    private ProcessCalls() {}

    // glibc's opaque struct sizes on 64-bit Linux are 80 (file actions) and 336 (attr); callers
    // allocate generously so a future glibc growing them cannot overrun.
    static final int FILE_ACTIONS_BYTES = 256;
    static final int SPAWN_ATTR_BYTES = 512;
    static final int SIGSET_BYTES = 128;

    /** With the attribute's pgroup left at 0: the child's pid becomes its process group id. */
    static final short POSIX_SPAWN_SETPGROUP = 0x02;
    static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    static final short POSIX_SPAWN_SETSIGMASK = 0x08;

    static final int WNOHANG = 1;

    static final int SIG_SETMASK = 2;

    // x86_64 system call numbers. glibc wraps these only from 2.36 on; the raw calls also work on older hosts.
    static final long SYS_PIDFD_SEND_SIGNAL = 424;
    static final long SYS_PIDFD_OPEN = 434;

    static final int PR_SET_CHILD_SUBREAPER = 36;
    static final int PR_GET_CHILD_SUBREAPER = 37;

    // posix_spawn* return an error number instead of setting errno.
    static native int posix_spawn(Pointer pid, String path, Pointer fileActions, Pointer attr, Pointer argv,
            Pointer envp);

    static native int posix_spawnp(Pointer pid, String file, Pointer fileActions, Pointer attr, Pointer argv,
            Pointer envp);

    static native int posix_spawn_file_actions_init(Pointer fileActions);

    static native int posix_spawn_file_actions_destroy(Pointer fileActions);

    static native int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newFd);

    static native int posix_spawn_file_actions_addclosefrom_np(Pointer fileActions, int from);

    static native int posix_spawnattr_init(Pointer attr);

    static native int posix_spawnattr_destroy(Pointer attr);

    static native int posix_spawnattr_setflags(Pointer attr, short flags);

    static native int posix_spawnattr_setsigmask(Pointer attr, Pointer sigset);

    static native int posix_spawnattr_setsigdefault(Pointer attr, Pointer sigset);

    static native int sigemptyset(Pointer set);

    static native int sigfillset(Pointer set);

    // status is a Pointer, not an int[]: a blocking call must not hold a pinned Java array.
    static native int waitpid(int pid, Pointer status, int options) throws LastErrorException;

    // syscall(2) is variadic; integer arguments travel in the same registers either way, and unused
    // trailing ones are ignored by the kernel.
    static native long syscall(long number, long arg1, long arg2, long arg3, long arg4) throws LastErrorException;

    static native int pthread_sigmask(int how, Pointer set, Pointer oldSet);

    static native int execve(String path, Pointer argv, Pointer envp) throws LastErrorException;

    static native int prctl(int option, long arg2, long arg3, long arg4, long arg5) throws LastErrorException;
}

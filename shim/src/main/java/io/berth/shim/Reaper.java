package io.berth.shim;

import io.berth.linux.ChildProcesses;
import io.berth.linux.ChildProcesses.WaitStatus;
import io.berth.linux.Epoll;
import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import io.berth.linux.PidFds;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The host's only reaper, on the event loop. Every process someone waits for gets a pidfd in the loop;
 * when one becomes readable the loop reaps whatever has exited ({@code waitpid(-1, WNOHANG)}) and hands
 * each status to whoever asked for that pid. As a child subreaper the host also inherits orphans from
 * containers sharing the host's pid namespace; nobody waits for those, and the loop's tick reaps them.
 * Futures complete on the loop thread: what depends on them must move slow work elsewhere.
 */
final class Reaper {
    private static final int UNCLAIMED_KEPT = 64;

    private final EventLoop loop;
    private final Object lock = new Object();
    private final Map<Integer, CompletableFuture<WaitStatus>> waiting = new HashMap<>();
    private final Map<Integer, WaitStatus> unclaimed = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, WaitStatus> eldest) {
            return size() > UNCLAIMED_KEPT;
        }
    };

    Reaper(EventLoop loop) {
        this.loop = loop;
        loop.onTick(this::reapAll);
    }

    /**
     * Spawns a child (see {@link ChildProcesses#spawn}) whose exit this reaper will collect. It leads a process
     * group of its own, so that one that hangs can be killed with all it forked.
     */
    int spawn(String program, List<String> argv, Map<String, String> env, int stdin, int stdout, int stderr)
            throws ErrnoException {
        synchronized (lock) {
            return ChildProcesses.spawn(program, argv, env, stdin, stdout, stderr, true);
        }
    }

    /**
     * Completes when the child {@code pid} has been reaped, even if that happened before this call. The
     * pid must be this process's child (or an orphan it inherits): a runtime command, a container's init,
     * an exec'd process.
     */
    CompletableFuture<WaitStatus> exitOf(int pid) {
        synchronized (lock) {
            WaitStatus early = unclaimed.remove(pid);
            if (early != null) {
                return CompletableFuture.completedFuture(early);
            }
            CompletableFuture<WaitStatus> waiter = waiting.get(pid);
            if (waiter == null) {
                waiter = new CompletableFuture<>();
                waiting.put(pid, waiter);
                watch(pid); // under the lock: nothing reaps it between the check and the watch
            }
            return waiter;
        }
    }

    /**
     * Completes when {@code pid}, a process that is not this host's child (adopted after a host crash),
     * is gone. Its exit status belongs to its parent; empty means it could not be learnt.
     */
    CompletableFuture<Optional<WaitStatus>> exitOfForeign(int pid) {
        CompletableFuture<Optional<WaitStatus>> gone = new CompletableFuture<>();
        int pidfd;
        try {
            pidfd = PidFds.open(pid);
        } catch (ErrnoException e) {
            gone.complete(Optional.empty()); // already gone
            return gone;
        }
        long[] token = new long[1];
        token[0] = loop.register(pidfd, Epoll.IN, events -> {
            loop.unregister(token[0], () -> FileDescriptors.closeQuietly(pidfd));
            gone.complete(Optional.empty());
        });
        return gone;
    }

    private void watch(int pid) {
        int pidfd;
        try {
            pidfd = PidFds.open(pid);
        } catch (ErrnoException e) {
            // Already reaped by someone else's wait (not possible for a child of ours) or never ours;
            // the tick's sweep completes it if it ever exits as our child.
            return;
        }
        long[] token = new long[1];
        token[0] = loop.register(pidfd, Epoll.IN, events -> {
            loop.unregister(token[0], () -> FileDescriptors.closeQuietly(pidfd));
            reapAll();
        });
    }

    /** Reaps every child that has exited; runs on the loop. */
    private void reapAll() {
        while (true) {
            Optional<WaitStatus> status;
            synchronized (lock) {
                try {
                    status = ChildProcesses.waitAnyNoHang();
                } catch (ErrnoException e) {
                    ShimLog.error("waitpid failed: " + e.getMessage());
                    return;
                }
                if (status.isEmpty()) {
                    return;
                }
            }
            dispatch(status.get());
        }
    }

    private void dispatch(WaitStatus status) {
        CompletableFuture<WaitStatus> waiter;
        synchronized (lock) {
            waiter = waiting.remove(status.pid());
            if (waiter == null) {
                unclaimed.put(status.pid(), status);
            }
        }
        if (waiter != null) {
            waiter.complete(status);
        }
    }
}

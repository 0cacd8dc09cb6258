package io.berth.shim;

import io.berth.linux.ChildProcesses;
import io.berth.linux.ChildProcesses.WaitStatus;
import io.berth.linux.ErrnoException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The shim's only reaper: one thread in {@code waitpid(-1)} that hands each exit status to whoever
 * asked for that pid. As a child subreaper the shim also inherits the container's init (and any orphan
 * in the container when it shares the host pid namespace), so exits of pids nobody asked for are
 * expected; the last few are kept in case the question comes after the answer.
 */
final class Reaper implements Runnable {
    private static final int UNCLAIMED_KEPT = 64;

    private final Object lock = new Object();
    private final Map<Integer, CompletableFuture<WaitStatus>> waiting = new HashMap<>();
    private final Map<Integer, WaitStatus> unclaimed = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, WaitStatus> eldest) {
            return size() > UNCLAIMED_KEPT;
        }
    };
    /** Bumped at every spawn, so a reaper that found no child knows when to look again. */
    private long spawns;

    /** Starts the reaper on its own daemon thread. */
    static Reaper start() {
        Reaper reaper = new Reaper();
        Thread thread = new Thread(reaper, "reaper");
        thread.setDaemon(true);
        thread.start();
        return reaper;
    }

    /** Spawns a child (see {@link ChildProcesses#spawn}) whose exit this reaper will collect. */
    int spawn(String program, List<String> argv, Map<String, String> env, int stdin, int stdout, int stderr)
            throws ErrnoException {
        synchronized (lock) {
            int pid = ChildProcesses.spawn(program, argv, env, stdin, stdout, stderr);
            spawns++;
            lock.notifyAll();
            return pid;
        }
    }

    /** Completes when the child {@code pid} has been reaped, even if that happened before this call. */
    CompletableFuture<WaitStatus> exitOf(int pid) {
        synchronized (lock) {
            WaitStatus early = unclaimed.remove(pid);
            if (early != null) {
                return CompletableFuture.completedFuture(early);
            }
            return waiting.computeIfAbsent(pid, p -> new CompletableFuture<>());
        }
    }

    @Override
    public void run() {
        while (!Thread.currentThread().isInterrupted()) {
            long spawnsBefore;
            synchronized (lock) {
                spawnsBefore = spawns;
            }
            WaitStatus status;
            try {
                status = ChildProcesses.waitAny();
            } catch (ErrnoException e) {
                if (e.errno() != ErrnoException.ECHILD) {
                    ShimLog.error("waitpid failed, reaper stops: " + e.getMessage());
                    return;
                }
                awaitSpawnAfter(spawnsBefore);
                continue;
            }
            dispatch(status);
        }
    }

    private void awaitSpawnAfter(long spawnsBefore) {
        synchronized (lock) {
            while (spawns == spawnsBefore) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
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
            // Completing runs dependent stages on this thread; they must hand long work elsewhere.
            waiter.complete(status);
        }
    }
}

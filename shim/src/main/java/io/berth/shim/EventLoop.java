package io.berth.shim;

import io.berth.linux.Epoll;
import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The host's one event loop: every long-lived descriptor of every container (output pipes, terminal
 * masters, pidfds, OOM eventfds), the listening socket, and every exec and attach session (its connection,
 * the exec's output and stdin) are watched by one epoll on one thread. Handlers run on that thread and must
 * not block: they read what is there, hand slow work to a worker, and return. Level-triggered, and each
 * handler reads at most one chunk per wakeup, so a container that writes as fast as it can gets one turn
 * per round like everyone else.
 */
final class EventLoop {
    /** How often the loop wakes with nothing ready, to run its tickers (the reaper's sweep). */
    static final int TICK_MILLIS = 1000;

    /** Runs on the loop thread when its descriptor is ready. */
    interface Handler {
        void ready(int events);
    }

    private final Epoll epoll;
    private final int wakeFd;
    private final Map<Long, Handler> handlers = new HashMap<>();
    private final Map<Long, Integer> fds = new HashMap<>();
    /** The events each descriptor is watched for now; 0 means out of epoll until asked for again. */
    private final Map<Long, Integer> interests = new HashMap<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final List<Runnable> tickers = new ArrayList<>();
    private final Thread thread;
    private long nextToken = 1;
    private long nextTimer;

    /** A task due at {@code dueNanos}; ties keep the order they were scheduled in. */
    private record Timer(long dueNanos, long sequence, Runnable task) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer other) {
            int byTime = Long.compare(dueNanos - other.dueNanos, 0);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }

    private EventLoop() throws ErrnoException {
        epoll = Epoll.open();
        wakeFd = FileDescriptors.eventfdNonBlocking();
        epoll.add(wakeFd, Epoll.IN, 0);
        thread = new Thread(null, this::run, "event-loop", 512 * 1024);
        thread.setDaemon(true);
    }

    static EventLoop start() throws ErrnoException {
        EventLoop loop = new EventLoop();
        loop.thread.start();
        return loop;
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code task} on the loop thread: now when called there, else at its next turn. */
    void execute(Runnable task) {
        if (inLoop()) {
            task.run();
            return;
        }
        tasks.add(task);
        try {
            FileDescriptors.signal(wakeFd);
        } catch (ErrnoException e) {
            ShimLog.error("cannot wake the event loop: " + e.getMessage());
        }
    }

    /**
     * Watches {@code fd} for {@code events} (see {@link Epoll}; 0: not yet, see {@link #interest}); the
     * returned token unregisters it.
     */
    long register(int fd, int events, Handler handler) {
        long token;
        synchronized (this) {
            token = nextToken++;
        }
        execute(() -> {
            try {
                if (events != 0) {
                    epoll.add(fd, events, token);
                }
                handlers.put(token, handler);
                fds.put(token, fd);
                interests.put(token, events);
            } catch (ErrnoException e) {
                ShimLog.error("cannot watch descriptor " + fd + ": " + e.getMessage());
            }
        });
        return token;
    }

    /** Stops watching; {@code after} (closing the descriptor, say) runs on the loop once it is out of epoll. */
    void unregister(long token, Runnable after) {
        execute(() -> {
            Integer fd = fds.remove(token);
            handlers.remove(token);
            Integer watched = interests.remove(token);
            if (fd != null && watched != null && watched != 0) {
                try {
                    epoll.remove(fd);
                } catch (ErrnoException e) {
                    ShimLog.error("cannot stop watching descriptor " + fd + ": " + e.getMessage());
                }
            }
            if (after != null) {
                after.run();
            }
        });
    }

    /**
     * Changes what a registered descriptor is watched for; on the loop thread only. With 0 it leaves epoll
     * altogether: epoll reports a hang-up whatever it was asked for, and a paused pipe whose writer has
     * exited would otherwise wake the loop on every round.
     */
    void interest(long token, int events) {
        Integer fd = fds.get(token);
        Integer now = interests.get(token);
        if (fd == null || now == null || now == events) {
            return;
        }
        try {
            if (events == 0) {
                epoll.remove(fd);
            } else if (now == 0) {
                epoll.add(fd, events, token);
            } else {
                epoll.modify(fd, events, token);
            }
            interests.put(token, events);
        } catch (ErrnoException e) {
            ShimLog.error("cannot change what descriptor " + fd + " is watched for: " + e.getMessage());
        }
    }

    /** Runs {@code task} on the loop once {@code delayMillis} have passed; on the loop thread only. */
    void schedule(long delayMillis, Runnable task) {
        timers.add(new Timer(System.nanoTime() + delayMillis * 1_000_000L, nextTimer++, task));
    }

    /** Runs {@code ticker} on the loop about every {@link #TICK_MILLIS}. */
    void onTick(Runnable ticker) {
        execute(() -> tickers.add(ticker));
    }

    private void run() {
        Epoll.Ready ready = new Epoll.Ready(64);
        long lastTick = System.nanoTime();
        while (true) {
            int n;
            try {
                n = epoll.wait(ready, waitMillis());
            } catch (ErrnoException e) {
                ShimLog.error("epoll_wait failed, the host stops: " + e.getMessage());
                System.exit(1);
                return;
            }
            for (int i = 0; i < n; i++) {
                long token = ready.token(i);
                if (token == 0) {
                    drainWakeups();
                    continue;
                }
                Handler handler = handlers.get(token);
                int events = ready.events(i);
                if (handler != null) { // null: unregistered earlier in this same round
                    try {
                        handler.ready(events);
                    } catch (RuntimeException e) {
                        // Level-triggered, it would fail again every round: its descriptor leaves epoll.
                        ShimLog.error("event handler failed, its descriptor is no longer watched: " + e);
                        interest(token, 0);
                    }
                }
            }
            Runnable task;
            while ((task = tasks.poll()) != null) {
                guarded(task);
            }
            runDueTimers();
            if (System.nanoTime() - lastTick >= TICK_MILLIS * 1_000_000L) {
                lastTick = System.nanoTime();
                tickers.forEach(EventLoop::guarded);
            }
        }
    }

    private int waitMillis() {
        Timer next = timers.peek();
        if (next == null) {
            return TICK_MILLIS;
        }
        long left = next.dueNanos() - System.nanoTime();
        return left <= 0 ? 0 : (int) Math.min(TICK_MILLIS, (left + 999_999) / 1_000_000);
    }

    private void runDueTimers() {
        long now = System.nanoTime();
        Timer next;
        while ((next = timers.peek()) != null && next.dueNanos() - now <= 0) {
            timers.poll();
            guarded(next.task());
        }
    }

    private void drainWakeups() {
        try {
            FileDescriptors.drainEventfd(wakeFd);
        } catch (ErrnoException e) {
            ShimLog.error("cannot read the loop's wake-up counter: " + e.getMessage());
        }
    }

    private static void guarded(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            ShimLog.error("event handler failed: " + e);
        }
    }
}

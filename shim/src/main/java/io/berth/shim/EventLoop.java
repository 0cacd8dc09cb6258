package io.berth.shim;

import io.berth.linux.Epoll;
import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The host's one event loop: every long-lived descriptor of every container (output pipes, terminal
 * masters, pidfds, OOM eventfds) and the control socket are watched by one epoll on one thread. Handlers
 * run on that thread and must not block: they read what is there, hand slow work to a worker, and return.
 * Level-triggered, and each handler reads at most one chunk per wakeup, so a container that writes as
 * fast as it can gets one turn per round like everyone else.
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
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final List<Runnable> tickers = new ArrayList<>();
    private final Thread thread;
    private long nextToken = 1;

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

    /** Watches {@code fd} for {@code events} (see {@link Epoll}); the returned token unregisters it. */
    long register(int fd, int events, Handler handler) {
        long token;
        synchronized (this) {
            token = nextToken++;
        }
        execute(() -> {
            try {
                epoll.add(fd, events, token);
                handlers.put(token, handler);
                fds.put(token, fd);
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
            if (fd != null) {
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
                n = epoll.wait(ready, TICK_MILLIS);
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
                    guarded(() -> handler.ready(events));
                }
            }
            Runnable task;
            while ((task = tasks.poll()) != null) {
                guarded(task);
            }
            if (System.nanoTime() - lastTick >= TICK_MILLIS * 1_000_000L) {
                lastTick = System.nanoTime();
                tickers.forEach(EventLoop::guarded);
            }
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

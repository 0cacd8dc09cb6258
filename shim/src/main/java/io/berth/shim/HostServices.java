package io.berth.shim;

import io.berth.linux.ErrnoException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * What every container shim in a host shares: the event loop, the reaper on it, the workers that run
 * what may block (runtime commands, exit recording, the start of an exec), and where recorded exits
 * are announced.
 */
record HostServices(EventLoop loop, Reaper reaper, ExecutorService workers, Consumer<Container> exited) {
    /**
     * Workers idle longer than this end: an idle host is its loop thread and little else. The system
     * property {@value #WORKER_IDLE_PROPERTY} changes it (tests that count the host's threads shorten it).
     */
    private static final long WORKER_IDLE_SECONDS = 20;
    static final String WORKER_IDLE_PROPERTY = "berth.shim.workerIdleSeconds";
    /** 512 KiB: an exec parses config.json with Jackson, whose first use nests deeply; only touched pages cost. */
    private static final long WORKER_STACK_BYTES = 512 * 1024;
    /** Bounds the threads an outsider can make the host start; beyond it a request is refused. */
    static final int MAX_WORKERS = 512;

    static HostServices start(Consumer<Container> exited) throws ErrnoException {
        EventLoop loop = EventLoop.start();
        AtomicInteger count = new AtomicInteger();
        ExecutorService workers = new ThreadPoolExecutor(0, MAX_WORKERS,
                Long.getLong(WORKER_IDLE_PROPERTY, WORKER_IDLE_SECONDS), TimeUnit.SECONDS,
                new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(null, r, "worker-" + count.incrementAndGet(), WORKER_STACK_BYTES);
                    t.setDaemon(true);
                    return t;
                });
        return new HostServices(loop, new Reaper(loop), workers, exited);
    }
}

package io.berth.common.concurrent;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Runs one action per item on a few threads of its own and returns when all are done. For start-up steps that
 * make one round trip per container to another process: while one thread waits for an answer, another sends.
 */
public final class Parallel {
    private Parallel() {}

    /**
     * Calls {@code action} once for each item, on at most {@code threads} threads named after {@code name}, and
     * waits for all. A RuntimeException or Error from an action is thrown here once every item has been tried,
     * with the others suppressed on it; actions that must go on past a failure catch their own.
     */
    public static <T> void forEach(String name, int threads, List<T> items, Consumer<? super T> action) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, not " + threads);
        }
        AtomicInteger next = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        Runnable worker = () -> {
            for (int i = next.getAndIncrement(); i < items.size(); i = next.getAndIncrement()) {
                try {
                    action.accept(items.get(i));
                } catch (RuntimeException | Error e) {
                    failures.add(e);
                }
            }
        };
        int helpers = Math.min(threads, items.size()) - 1;
        Thread[] started = new Thread[Math.max(0, helpers)];
        for (int t = 0; t < started.length; t++) {
            started[t] = new Thread(worker, name + "-" + (t + 1));
            started[t].setDaemon(true);
            started[t].start();
        }
        // The calling thread is one of the workers.
        worker.run();
        boolean interrupted = false;
        for (Thread t : started) {
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    // Every item is someone's to finish; the interrupt is kept for the caller.
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable first = failures.poll();
        if (first == null) {
            return;
        }
        failures.forEach(first::addSuppressed);
        if (first instanceof Error error) {
            throw error;
        }
        throw (RuntimeException) first;
    }
}

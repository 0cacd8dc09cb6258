package io.berth.server;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A start-up step run on a thread of its own while the main thread goes on, and joined where its result is
 * needed. A restart is CPU-bound on the main thread; steps that do not need each other share the node's cores.
 */
final class StartupTask<T> {
    /** The step's work; what it throws is thrown again by {@link #join}. */
    interface Step<T> {
        T run() throws IOException;
    }

    private final CompletableFuture<T> result = new CompletableFuture<>();

    private StartupTask() {}

    /** Starts {@code step} on a daemon thread, so that a start that fails elsewhere does not wait for it. */
    static <T> StartupTask<T> begin(String name, Step<T> step) {
        StartupTask<T> task = new StartupTask<>();
        Thread thread = new Thread(() -> {
            try {
                task.result.complete(step.run());
            } catch (IOException | RuntimeException | Error e) {
                task.result.completeExceptionally(e);
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        return task;
    }

    /** The step's result, or the exception it ended with, as if it had run on this thread. */
    T join() throws IOException {
        try {
            return result.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** After a failed start: the result once the step ends, or nothing if it failed. */
    Optional<T> joinQuietly() {
        try {
            return Optional.ofNullable(result.join());
        } catch (CompletionException e) {
            return Optional.empty();
        }
    }
}

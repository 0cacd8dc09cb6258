package io.berth.server.image.pull;

import io.berth.snapshotter.apply.ApartLayer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The snapshots one pull builds apart from their parents and has not committed yet. A failed pull discards
 * them all: those still being filled by their download's thread are discarded by that thread when it is done
 * with them, and {@link #discardAll} waits for that, so that the pull returns its failure with nothing left.
 */
final class ApartSnapshots {
    /** How long a failed pull waits for layers still being unpacked apart: each is local work within bounds. */
    private static final long DRAIN_SECONDS = 120;

    private final Consumer<String> discard;
    private final Set<String> busy = new HashSet<>();
    private final Map<Integer, Built> byLayer = new HashMap<>();
    private boolean closed;

    ApartSnapshots(Consumer<String> discard) {
        this.discard = discard;
    }

    /** Claims {@code key} for filling; false when the pull has failed already (nothing may be made). */
    synchronized boolean start(String key) {
        if (closed) {
            return false;
        }
        busy.add(key);
        return true;
    }

    /** Whether the pull has failed: a layer not started yet need not be. */
    synchronized boolean failed() {
        return closed;
    }

    /** An apart snapshot filled with its layer: its key, its dir, and what its commit must check. */
    record Built(String key, Path dir, ApartLayer layer) {}

    /**
     * The filling of {@code key}, the apart snapshot of layer {@code index}, ended: {@code built} waits for its
     * commit, or (null) the snapshot is discarded. A snapshot filled after the pull failed is discarded too.
     */
    void finish(int index, String key, Built built) {
        synchronized (this) {
            if (built != null && !closed) {
                byLayer.put(index, built);
                busy.remove(key);
                return;
            }
        }
        // A failed pull interrupts its download threads (once); file channels refuse to work on an interrupted
        // thread, and the snapshot would stay. So the flag is cleared, and the discard done again when the
        // interrupt came during it (a second discard of a removed snapshot does nothing). It is set again after.
        boolean interrupted = Thread.interrupted();
        try {
            discard.accept(key);
            if (Thread.interrupted()) {
                interrupted = true;
                discard.accept(key);
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            // Only now: a failed pull's discardAll returns once every snapshot it waits for is gone.
            synchronized (this) {
                busy.remove(key);
                notifyAll();
            }
        }
    }

    /** Takes the filled snapshot of layer {@code index} for its commit (null when there is none). */
    synchronized Built take(int index) {
        return byLayer.remove(index);
    }

    /** Discards every ready snapshot, and waits for those being filled to be discarded by their threads. */
    void discardAll() {
        Set<String> doomed = new HashSet<>();
        synchronized (this) {
            closed = true;
            byLayer.values().forEach(b -> doomed.add(b.key()));
            byLayer.clear();
        }
        doomed.forEach(discard);
        synchronized (this) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_SECONDS);
            while (!busy.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return; // their threads still discard them when done; the next start removes any leftover
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}

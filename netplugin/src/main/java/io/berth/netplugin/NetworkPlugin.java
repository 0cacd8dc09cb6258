package io.berth.netplugin;

import java.io.IOException;
import java.util.Set;

/**
 * Pod networking with CNI semantics. Set-up persists what it did before doing it, so tear-down works from
 * that record alone: after a berthd restart, after a half-finished set-up, and any number of times.
 */
public interface NetworkPlugin {
    /** Short name for logs and Status ("bridge", "cni"). */
    String name();

    /**
     * Called once when berthd starts: rebuilds the plugin's host state (rules) from its records and tears
     * down pods that are not in {@code livePodIds} (set-ups interrupted by a crash before the sandbox was
     * recorded).
     */
    void start(Set<String> livePodIds) throws IOException;

    /** ADD. On failure everything done so far is undone before the exception leaves. */
    PodAttachment setUp(PodRequest pod) throws IOException;

    /** DEL. Idempotent; undoes in reverse order from the persisted record. */
    void tearDown(String podId) throws IOException;

    /** CHECK: throws when the pod's network is not as set up. */
    void check(String podId) throws IOException;

    /** Whether pods can get a network now, and if not, why. */
    PluginStatus status();

    /** Tears down what a failed set-up made; the set-up's own failure stays the one reported. */
    default void undoSetUp(String podId, Exception failure) {
        try {
            tearDown(podId);
        } catch (IOException | RuntimeException undo) {
            failure.addSuppressed(undo);
        }
    }
}

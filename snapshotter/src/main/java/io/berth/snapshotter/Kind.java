package io.berth.snapshotter;

/** What a snapshot is for, as in containerd. */
public enum Kind {
    /** Writable; becomes committed when its writer is done. */
    ACTIVE,
    /** Read-only look at a committed chain; never committed. */
    VIEW,
    /** Immutable; may be the parent of other snapshots. */
    COMMITTED
}

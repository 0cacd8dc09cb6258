package io.berth.snapshotter;

import java.time.Instant;

/**
 * What {@link Snapshotter#stat} tells about a snapshot.
 *
 * @param name the key of an active snapshot or view, the name of a committed one
 * @param parent the committed snapshot it sits on, or null
 */
public record SnapshotInfo(String name, String parent, Kind kind, Instant created, Instant updated) {}

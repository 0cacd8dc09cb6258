package io.berth.snapshotter;

import java.time.Instant;

/**
 * A snapshot's record as persisted in {@code <root>/<id>/record.json}. {@code id} names its directory
 * and never changes; {@code name} is its key (active, view) or its committed name.
 */
record StoredSnapshot(long id, String name, String parent, Kind kind, String created, String updated) {
    static final int VERSION = 1;

    SnapshotInfo info() {
        return new SnapshotInfo(name, parent, kind, Instant.parse(created), Instant.parse(updated));
    }

    StoredSnapshot committedAs(String newName, Instant now) {
        return committedAs(newName, parent, now);
    }

    StoredSnapshot committedAs(String newName, String newParent, Instant now) {
        return new StoredSnapshot(id, newName, newParent, Kind.COMMITTED, created, now.toString());
    }
}

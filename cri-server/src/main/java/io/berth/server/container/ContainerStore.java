package io.berth.server.container;

import io.berth.server.store.NameIndex;
import io.berth.server.store.RecordStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Container records by id plus the index of their reserved names. Every lifecycle step (a record added, a
 * phase entered, a record removed) is told to the {@link ContainerChanges} listener under this store's lock,
 * so the CRI event stream carries each container's steps in order.
 */
public final class ContainerStore {
    public static final String KIND = "container";

    private final RecordStore<StoredContainerMetadata, ContainerRunStatus> records;
    private final NameIndex names = new NameIndex(KIND);
    private final ContainerChanges changes;

    /** A store whose lifecycle steps no one is told of (tests, tools). */
    public ContainerStore(Path dir) throws IOException {
        this(dir, ContainerChanges.NONE);
    }

    /** @param changes the one listener of lifecycle steps (the event publisher in berthd) */
    public ContainerStore(Path dir, ContainerChanges changes) throws IOException {
        this.changes = changes;
        records = new RecordStore<>(KIND, dir, StoredContainerMetadata.class, ContainerRunStatus.class);
        for (Container c : list()) {
            names.reserve(c.metadata().name(), c.id());
        }
    }

    public NameIndex names() {
        return names;
    }

    public synchronized Container add(StoredContainerMetadata metadata, ContainerRunStatus status) {
        Container added = new Container(records.create(metadata.id(), metadata, status));
        changes.changed(ContainerChanges.Step.CREATED, added, this);
        return added;
    }

    /** Replaces the status; entering RUNNING is a STARTED step, entering EXITED a STOPPED one. */
    public synchronized Container update(String id, UnaryOperator<ContainerRunStatus> change) {
        ContainerRunStatus.Phase before = records.get(id).status().phase();
        return published(before, new Container(records.update(id, change)));
    }

    /**
     * Replaces the status with what the shim observed (an exit, a start found at recovery), published even if
     * the disk refuses the record for now: see {@link RecordStore#updateObserved}.
     */
    public synchronized Container updateObserved(String id, UnaryOperator<ContainerRunStatus> change) {
        ContainerRunStatus.Phase before = records.get(id).status().phase();
        return published(before, new Container(records.updateObserved(id, change)));
    }

    private Container published(ContainerRunStatus.Phase before, Container updated) {
        ContainerRunStatus.Phase after = updated.status().phase();
        if (after != before && after == ContainerRunStatus.Phase.RUNNING) {
            changes.changed(ContainerChanges.Step.STARTED, updated, this);
        } else if (after != before && after == ContainerRunStatus.Phase.EXITED) {
            changes.changed(ContainerChanges.Step.STOPPED, updated, this);
        }
        return updated;
    }

    public Container get(String id) {
        return new Container(records.get(id));
    }

    public Optional<Container> find(String id) {
        return records.find(id).map(Container::new);
    }

    public Container resolve(String idOrPrefix) {
        return new Container(records.resolve(idOrPrefix));
    }

    public Collection<Container> list() {
        return records.list().stream().map(Container::new).toList();
    }

    public List<Container> inSandbox(String sandboxId) {
        return list().stream().filter(c -> c.metadata().sandboxId().equals(sandboxId)).toList();
    }

    public synchronized void remove(Container c) {
        Container last = find(c.id()).orElse(null);
        records.delete(c.id());
        names.release(c.metadata().name(), c.id());
        if (last != null) {
            changes.changed(ContainerChanges.Step.DELETED, last, this);
        }
    }

    /** An immutable view of one container at the time it was read. */
    public record Container(RecordStore.Record<StoredContainerMetadata, ContainerRunStatus> record) {
        public String id() {
            return record.id();
        }

        public StoredContainerMetadata metadata() {
            return record.metadata();
        }

        public ContainerRunStatus status() {
            return record.status();
        }
    }
}

package io.berth.server.container;

import io.berth.server.store.NameIndex;
import io.berth.server.store.RecordStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.function.UnaryOperator;

/** Container records by id plus the index of their reserved names. */
public final class ContainerStore {
    public static final String KIND = "container";

    private final RecordStore<ContainerMetadata, ContainerLifecycle> records;
    private final NameIndex names = new NameIndex(KIND);

    public ContainerStore(Path dir) throws IOException {
        records = new RecordStore<>(KIND, dir, ContainerMetadata.class, ContainerLifecycle.class);
        for (Container c : list()) {
            names.reserve(c.metadata().name(), c.id());
        }
    }

    public NameIndex names() {
        return names;
    }

    public Container add(ContainerMetadata metadata, ContainerLifecycle status) {
        return new Container(records.create(metadata.id(), metadata, status));
    }

    public Container update(String id, UnaryOperator<ContainerLifecycle> change) {
        return new Container(records.update(id, change));
    }

    public Container get(String id) {
        return new Container(records.get(id));
    }

    public java.util.Optional<Container> find(String id) {
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

    public void remove(Container c) {
        records.delete(c.id());
        names.release(c.metadata().name(), c.id());
    }

    /** An immutable view of one container at the time it was read. */
    public record Container(RecordStore.Record<ContainerMetadata, ContainerLifecycle> record) {
        public String id() {
            return record.id();
        }

        public ContainerMetadata metadata() {
            return record.metadata();
        }

        public ContainerLifecycle status() {
            return record.status();
        }
    }
}

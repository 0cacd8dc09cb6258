package io.berth.server.sandbox;

import io.berth.server.store.NameIndex;
import io.berth.server.store.RecordStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** Sandbox records by id plus the index of their reserved names. */
public final class SandboxStore {
    public static final String KIND = "pod sandbox";

    private final RecordStore<SandboxMetadata, SandboxStatus> records;
    private final NameIndex names = new NameIndex(KIND);

    public SandboxStore(Path dir) throws IOException {
        records = new RecordStore<>(KIND, dir, SandboxMetadata.class, SandboxStatus.class);
        for (Sandbox s : list()) {
            names.reserve(s.metadata().name(), s.id());
        }
    }

    public NameIndex names() {
        return names;
    }

    public Sandbox add(SandboxMetadata metadata, SandboxStatus status) {
        return new Sandbox(records.create(metadata.id(), metadata, status));
    }

    public Sandbox update(String id, UnaryOperator<SandboxStatus> change) {
        return new Sandbox(records.update(id, change));
    }

    public Sandbox get(String id) {
        return new Sandbox(records.get(id));
    }

    public Optional<Sandbox> find(String id) {
        return records.find(id).map(Sandbox::new);
    }

    /** Full id or unique prefix. */
    public Sandbox resolve(String idOrPrefix) {
        return new Sandbox(records.resolve(idOrPrefix));
    }

    public Collection<Sandbox> list() {
        return records.list().stream().map(Sandbox::new).toList();
    }

    public void remove(Sandbox sandbox) {
        records.delete(sandbox.id());
        names.release(sandbox.metadata().name(), sandbox.id());
    }

    /** An immutable view of one sandbox at the time it was read. */
    public record Sandbox(RecordStore.Record<SandboxMetadata, SandboxStatus> record) {
        public String id() {
            return record.id();
        }

        public SandboxMetadata metadata() {
            return record.metadata();
        }

        public SandboxStatus status() {
            return record.status();
        }
    }
}

package io.berth.server.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.common.error.AlreadyExistsException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.NoSpaceLeftException;
import io.berth.common.error.NotFoundException;
import io.berth.common.io.AtomicFiles;
import io.berth.common.json.RecordReader;
import io.berth.common.json.VersionedJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;

/**
 * Objects of one kind (sandboxes, containers, images) kept in memory and on disk, one file per id in
 * {@link VersionedJson}'s envelope: {@code {"version": 2, "data": {"metadata": {...}, "status": {...}}}}. Each
 * object is immutable metadata written once plus a status that only changes through {@link #update}, which
 * persists before it publishes: a reader never sees a status that a crash would lose.
 *
 * <p>Metadata and status are plain records; protobuf messages in them are written as base64 of their wire bytes
 * ({@link ProtobufModule}). Files of version 1, from before the envelope, are read too ({@link LegacyRecordFile}).
 *
 * @param <M> metadata, fixed at creation
 * @param <S> status, replaced as a whole on every change
 */
public final class RecordStore<M, S> {
    private static final Logger LOG = Logger.getLogger(RecordStore.class.getName());
    /** Bumped when the on-disk shape changes incompatibly; older files are then migrated or refused. */
    static final int FORMAT_VERSION = 2;
    /** The file of {@link DiskReserve} in the store's dir; only {@code *.json} files are loaded. */
    static final String RESERVE_FILE = ".reserve";
    /** What an unreadable record is renamed to; only {@code *.json} files are loaded. */
    static final String QUARANTINE_SUFFIX = ".unreadable";
    /**
     * Maps metadata and status to the envelope's data (the envelope itself is VersionedJson's), and reads what is
     * not a record. Made at first use: a JVM's first ObjectMapper costs some 45 ms, and loading needs none.
     */
    private static final class Binding {
        static final ObjectMapper JSON = new ObjectMapper()
                .registerModule(new ProtobufModule())
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    }

    private final String kind;
    private final Path dir;
    /** Reads metadata and status at load: see RecordReader for why not the binding that writes them. */
    private static final RecordReader READER = new RecordReader(ProtobufModule::leaf);

    private final Class<M> metadataType;
    private final Class<S> statusType;
    private final ConcurrentMap<String, Record<M, S>> records = new ConcurrentHashMap<>();
    private final DiskReserve reserve;

    /** Opens the store, loading every record found in {@code dir}. Unreadable files are logged and skipped. */
    public RecordStore(String kind, Path dir, Class<M> metadataType, Class<S> statusType) throws IOException {
        this.kind = kind;
        this.dir = dir;
        this.metadataType = metadataType;
        this.statusType = statusType;
        Files.createDirectories(dir);
        load();
        reserve = new DiskReserve(dir.resolve(RESERVE_FILE));
        reserve.fill(false);
    }

    private void load() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path f : files) {
                String id = f.getFileName().toString().replaceFirst("\\.json$", "");
                try {
                    JsonNode data = data(f);
                    M meta = read(data.get("metadata"), metadataType);
                    S status = read(data.get("status"), statusType);
                    records.put(id, new Record<>(id, meta, status));
                } catch (NewerRecordException e) {
                    // Left in place: the berth that wrote it may run here again and read it.
                    LOG.warning(kind + " record " + f + " is skipped and left as it is: " + e.getMessage());
                } catch (IOException | IllegalArgumentException e) {
                    // The reasons start with the file's path, which the line already names.
                    String why = String.valueOf(e.getMessage()).replace(f + ": ", "");
                    LOG.warning(kind + " record " + f + " cannot be read (" + why + "); "
                            + quarantine(f) + ", and the " + kind + " " + id + " is dropped");
                }
            }
        }
    }

    static <T> T read(JsonNode node, Class<T> type) throws IOException {
        return RecordReader.reads(type) ? READER.read(node, type) : Binding.JSON.treeToValue(node, type);
    }

    /**
     * Moves an unreadable record aside, out of the next load's way but kept for whoever wants to see what it held;
     * says where it went. A record that cannot even be moved stays, and is reported again at the next start.
     */
    private static String quarantine(Path file) {
        Path aside = file.resolveSibling(file.getFileName() + QUARANTINE_SUFFIX);
        try {
            Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            return "moved to " + aside.getFileName();
        } catch (IOException e) {
            return "it could not be moved aside (" + e.getMessage() + ")";
        }
    }

    /** {@code {"metadata": ..., "status": ...}} of a file in the current format or in version 1's. */
    private static JsonNode data(Path file) throws IOException {
        VersionedJson.Envelope envelope;
        try {
            envelope = VersionedJson.read(file);
        } catch (IOException notVersioned) {
            return LegacyRecordFile.data(file).orElseThrow(() -> notVersioned);
        }
        if (envelope.version() > FORMAT_VERSION) {
            throw new NewerRecordException(file + ": record version " + envelope.version() + " is newer than this"
                    + " berth reads (" + FORMAT_VERSION + ")");
        }
        JsonNode data = envelope.require(FORMAT_VERSION).data();
        if (!data.path("metadata").isObject() || !data.path("status").isObject()) {
            throw new IOException(file + ": record data lacks its metadata or status object");
        }
        return data;
    }

    /** Adds a new object; its record is on disk before it is visible. A full disk refuses it: no reserve is used. */
    public synchronized Record<M, S> create(String id, M metadata, S status) {
        if (records.containsKey(id)) {
            throw new AlreadyExistsException(kind + " " + id + " already exists");
        }
        Record<M, S> r = new Record<>(id, metadata, status);
        persist(r);
        records.put(id, r);
        return r;
    }

    /**
     * Replaces the status through {@code change}; persisted, then published. Returns the new record. On a full
     * disk the {@link DiskReserve} is spent on it, so that a pod can still be stopped and removed.
     */
    public synchronized Record<M, S> update(String id, UnaryOperator<S> change) {
        Record<M, S> old = get(id);
        Record<M, S> next = new Record<>(id, old.metadata(), change.apply(old.status()));
        persistChange(next);
        records.put(id, next);
        return next;
    }

    /**
     * Replaces the status with a fact that is already true outside berthd, such as a container's exit. Unlike
     * {@link #update} it is published even when it cannot be persisted (a full disk): withholding it would report
     * a dead container as running. The file then keeps its last whole state, never a torn one; the next write of
     * the record carries the change, and after a restart recovery learns the fact again from its source (the
     * shim's exit file).
     */
    public synchronized Record<M, S> updateObserved(String id, UnaryOperator<S> change) {
        Record<M, S> old = get(id);
        Record<M, S> next = new Record<>(id, old.metadata(), change.apply(old.status()));
        try {
            persistChange(next);
        } catch (UncheckedIOException e) {
            LOG.warning(e.getMessage() + "; the change is kept in memory and recovered from its source after a"
                    + " restart");
        }
        records.put(id, next);
        return next;
    }

    /** Removes the object; removing one that is not there is not an error (callers retry deletes). */
    public synchronized void delete(String id) {
        try {
            Files.deleteIfExists(file(id));
            AtomicFiles.fsyncDir(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + kind + " record " + file(id), e);
        }
        records.remove(id);
        reserve.fill(true);
    }

    public Record<M, S> get(String id) {
        Record<M, S> r = records.get(id);
        if (r == null) {
            throw new NotFoundException(kind + " " + id + " not found");
        }
        return r;
    }

    public Optional<Record<M, S>> find(String id) {
        return Optional.ofNullable(records.get(id));
    }

    /**
     * The one object whose id is or starts with {@code idOrPrefix}, as crictl users type short ids.
     * No match is NOT_FOUND; several are INVALID_ARGUMENT, because a longer prefix would fix it.
     */
    public Record<M, S> resolve(String idOrPrefix) {
        Record<M, S> exact = records.get(idOrPrefix);
        if (exact != null) {
            return exact;
        }
        List<Record<M, S>> matches = new ArrayList<>();
        for (Record<M, S> r : records.values()) {
            if (r.id().startsWith(idOrPrefix)) {
                matches.add(r);
            }
        }
        if (matches.isEmpty()) {
            throw new NotFoundException(kind + " " + idOrPrefix + " not found");
        }
        if (matches.size() > 1) {
            throw new InvalidArgumentException(kind + " id prefix " + idOrPrefix + " matches " + matches.size()
                    + " objects; give more of the id");
        }
        return matches.get(0);
    }

    public Collection<Record<M, S>> list() {
        return List.copyOf(records.values());
    }

    /** As {@link #persist}, spending the reserve when the disk is full; the reserve is made again once it fits. */
    private void persistChange(Record<M, S> r) {
        try {
            persist(r);
        } catch (UncheckedIOException e) {
            if (!NoSpaceLeftException.isCause(e) || !reserve.release()) {
                throw e;
            }
            LOG.warning(e.getMessage() + "; the disk is full, so the " + DiskReserve.BYTES + " bytes set aside in "
                    + dir.resolve(RESERVE_FILE) + " are freed for it and for the records of pod removals");
            persist(r);
        }
        reserve.fill(true);
    }

    private void persist(Record<M, S> r) {
        ObjectNode data = Binding.JSON.createObjectNode();
        data.set("metadata", Binding.JSON.valueToTree(r.metadata()));
        data.set("status", Binding.JSON.valueToTree(r.status()));
        try {
            VersionedJson.write(file(r.id()), FORMAT_VERSION, data);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + kind + " record " + file(r.id()) + ": " + e.getMessage(),
                    e);
        }
    }

    private Path file(String id) {
        if (!id.matches("[A-Za-z0-9_.:-]+") || id.startsWith(".")) {
            throw new InvalidArgumentException(kind + " id '" + id + "' cannot name a record file");
        }
        return dir.resolve(id + ".json");
    }

    /** A record a newer berth wrote: not damaged, only not understood here. */
    private static final class NewerRecordException extends IOException {
        NewerRecordException(String message) {
            super(message);
        }
    }

    /** An immutable snapshot of one object: id, metadata, status at the time it was read. */
    public record Record<M, S>(String id, M metadata, S status) {}
}

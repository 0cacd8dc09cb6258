package io.berth.common.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.common.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A record on disk as {@code {"version": N, "data": {...}}}, written atomically. The version lets a
 * newer berth migrate what an older one wrote, and lets an older one refuse, with a clear message, what
 * it cannot understand instead of silently dropping fields.
 */
public final class VersionedJson {
    /**
     * For writing, and for reading what is not a record. Made at first use: a JVM's first ObjectMapper costs some
     * 45 ms, and a berthd start only reads records (JsonTrees, RecordReader).
     */
    private static final class Binding {
        static final ObjectMapper MAPPER = new ObjectMapper()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(SerializationFeature.INDENT_OUTPUT);
    }

    private VersionedJson() {}

    /** A record as read: its version and its data, still untyped so that old versions can be migrated. */
    public record Envelope(Path file, int version, JsonNode data) {
        /** This envelope when it is exactly {@code expected}; anything else is refused with both versions named. */
        public Envelope require(int expected) throws IOException {
            if (version != expected) {
                throw new IOException(file + ": record version " + version + " is not supported (this berth reads"
                        + " version " + expected + (version > expected ? "; written by a newer berth?)" : ")"));
            }
            return this;
        }

        public <T> T as(Class<T> type) throws IOException {
            try {
                // Records through RecordReader, which costs a start far less than the binding's first use.
                return RecordReader.reads(type) ? RecordReader.PLAIN.read(data, type)
                        : Binding.MAPPER.treeToValue(data, type);
            } catch (IOException e) {
                throw new IOException(file + ": cannot read version " + version + " record as "
                        + type.getSimpleName() + ": " + e.getMessage(), e);
            }
        }
    }

    public static void write(Path file, int version, Object data) throws IOException {
        ObjectNode root = Binding.MAPPER.createObjectNode();
        root.put("version", version);
        root.set("data", Binding.MAPPER.valueToTree(data));
        AtomicFiles.write(file, Binding.MAPPER.writeValueAsBytes(root));
    }

    public static Envelope read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        JsonNode root;
        try {
            root = JsonTrees.parse(bytes);
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.path("version").isInt() || !root.path("data").isObject()) {
            throw new IOException(file + ": not a versioned record (expected {\"version\": N, \"data\": {...}})");
        }
        return new Envelope(file, root.get("version").intValue(), root.get("data"));
    }

    /** Reads a record that must be exactly {@code version}; anything else is refused with its version named. */
    public static <T> T read(Path file, Class<T> type, int version) throws IOException {
        return read(file).require(version).as(type);
    }
}

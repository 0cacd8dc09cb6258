package io.berth.server.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.common.json.Mappers;
import io.berth.common.json.VersionedJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A record file as berth wrote it before {@link RecordStore} used {@link VersionedJson}'s envelope:
 * {@code {"version": 1, "metadata": {...}, "status": {...}}}. Its metadata and status already have the shape
 * that version 2 keeps under {@code data}, so reading one only takes them out of the old envelope; the record's
 * next update writes it in the new one.
 */
final class LegacyRecordFile {
    static final int VERSION = 1;

    private LegacyRecordFile() {}

    /** {@code {"metadata": ..., "status": ...}} of a version 1 file; empty for any other content. */
    static Optional<JsonNode> data(Path file) throws IOException {
        JsonNode root;
        try {
            root = Mappers.plain().readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
        if (root == null || root.path("version").asInt(-1) != VERSION || !root.path("metadata").isObject()
                || !root.path("status").isObject()) {
            return Optional.empty();
        }
        ObjectNode data = Mappers.plain().createObjectNode();
        data.set("metadata", root.get("metadata"));
        data.set("status", root.get("status"));
        return Optional.of(data);
    }
}

package io.berth.server.image.store;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import io.berth.common.error.FailedPreconditionException;
import io.berth.common.json.Mappers;
import io.berth.common.validate.Require;
import io.berth.server.image.content.Digest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an image config blob (OCI or Docker, the same JSON shape). The registry or archive it came from is
 * untrusted: every field is type-checked and a malformed config is a clear error naming the image, never a
 * half-read record.
 */
public final class ImageConfigParser {

    static {
        Mappers.plain().getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    private ImageConfigParser() {}

    public static ImageConfig parse(byte[] bytes, String image) {
        JsonNode root;
        try {
            root = Mappers.plain().readTree(bytes);
        } catch (IOException e) {
            throw invalid(image, "it is not valid JSON (" + e.getMessage().split("\n")[0] + ")");
        }
        if (root == null || !root.isObject()) {
            throw invalid(image, "it is not a JSON object");
        }
        JsonNode process = root.path("config");
        if (!process.isMissingNode() && !process.isNull() && !process.isObject()) {
            throw invalid(image, "'config' is not an object");
        }
        JsonNode rootfs = root.path("rootfs");
        List<String> diffIds = strings(rootfs.path("diff_ids"), image, "rootfs.diff_ids");
        for (String diffId : diffIds) {
            try {
                Digest.parse(diffId);
            } catch (RuntimeException e) {
                throw invalid(image, "rootfs.diff_ids has '" + Require.printable(diffId) + "', which is not a digest");
            }
        }
        return new ImageConfig(
                text(root.path("os"), image, "os"),
                text(root.path("architecture"), image, "architecture"),
                text(process.path("User"), image, "config.User"),
                strings(process.path("Env"), image, "config.Env"),
                strings(process.path("Entrypoint"), image, "config.Entrypoint"),
                strings(process.path("Cmd"), image, "config.Cmd"),
                text(process.path("WorkingDir"), image, "config.WorkingDir"),
                text(process.path("StopSignal"), image, "config.StopSignal"),
                labels(process.path("Labels"), image),
                keys(process.path("ExposedPorts"), image, "config.ExposedPorts"),
                diffIds);
    }

    private static String text(JsonNode node, String image, String field) {
        if (node.isMissingNode() || node.isNull()) {
            return "";
        }
        if (!node.isTextual()) {
            throw invalid(image, "'" + field + "' is not a string");
        }
        return node.asText();
    }

    private static List<String> strings(JsonNode node, String image, String field) {
        if (node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw invalid(image, "'" + field + "' is not a list");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw invalid(image, "'" + field + "' holds a value that is not a string");
            }
            out.add(item.asText());
        }
        return out;
    }

    private static Map<String, String> labels(JsonNode node, String image) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node.isMissingNode() || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw invalid(image, "'config.Labels' is not an object");
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            out.put(e.getKey(), text(e.getValue(), image, "config.Labels." + e.getKey()));
        }
        return out;
    }

    private static List<String> keys(JsonNode node, String image, String field) {
        if (node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (!node.isObject()) {
            throw invalid(image, "'" + field + "' is not an object");
        }
        List<String> out = new ArrayList<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static FailedPreconditionException invalid(String image, String problem) {
        return new FailedPreconditionException("invalid image config for " + image + ": " + problem);
    }
}

package io.berth.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

/** Which of the keys berthd knows a TOML text leaves out: the check that keeps printed configs complete. */
final class SchemaKeys {
    private SchemaKeys() {}

    static List<String> missingFrom(String toml) {
        JsonNode tree;
        try {
            tree = new TomlMapper().readTree(toml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ConfigSchema.keys().stream()
                .filter(key -> !present(tree, Arrays.asList(key.split("\\."))))
                .toList();
    }

    /** Whether the key is in the tree; a name the operator picks matches any name. */
    private static boolean present(JsonNode node, List<String> segments) {
        if (segments.isEmpty()) {
            return true;
        }
        List<String> rest = segments.subList(1, segments.size());
        if (segments.get(0).equals(ConfigSchema.ANY_NAME)) {
            for (JsonNode child : node) {
                if (present(child, rest)) {
                    return true;
                }
            }
            return false;
        }
        JsonNode child = node.get(segments.get(0));
        return child != null && present(child, rest);
    }
}

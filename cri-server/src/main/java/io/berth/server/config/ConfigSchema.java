package io.berth.server.config;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The keys config.toml may hold and the TOML type of each, read off {@link ConfigFile}'s fields so that the
 * schema and the binding cannot disagree. Checking a parsed file against it names every unknown key and wrong
 * type at once and drops them, so that the rest of the file can still be bound and its values checked.
 */
final class ConfigSchema {
    /** The placeholder in {@link #keys()} for a name the operator picks, such as a runtime handler's. */
    static final String ANY_NAME = "*";

    private static final ObjectMapper INTROSPECTION = new ObjectMapper();

    private enum Kind {
        TABLE("a table"),
        NAMED_TABLES("a table for each name"),
        STRING("a string"),
        INT("an integer"),
        LONG("an integer"),
        BOOLEAN("true or false"),
        STRINGS("an array of strings");

        final String expected;

        Kind(String expected) {
            this.expected = expected;
        }
    }

    private ConfigSchema() {}

    /** Records every unknown key and every value of the wrong type in problems, and removes them from file. */
    static void prune(ObjectNode file, Problems problems) {
        pruneTable(file, type(ConfigFile.class), KeyPath.ROOT, problems);
    }

    /** Every key, dotted, with {@link #ANY_NAME} for a name the operator picks. */
    static List<String> keys() {
        List<String> keys = new ArrayList<>();
        collectKeys(type(ConfigFile.class), "", keys);
        return keys;
    }

    private static void collectKeys(JavaType table, String prefix, List<String> keys) {
        fields(table).forEach((name, type) -> {
            String key = prefix + name;
            switch (kind(type)) {
                case TABLE -> collectKeys(type, key + ".", keys);
                case NAMED_TABLES -> collectKeys(type.getContentType(), key + "." + ANY_NAME + ".", keys);
                default -> keys.add(key);
            }
        });
    }

    private static void pruneTable(ObjectNode table, JavaType type, KeyPath path, Problems problems) {
        Map<String, JavaType> fields = fields(type);
        List<String> refused = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : table.properties()) {
            KeyPath key = path.child(entry.getKey());
            JavaType fieldType = fields.get(entry.getKey());
            if (fieldType == null) {
                problems.add(key, "unknown key '" + key + "'");
                refused.add(entry.getKey());
            } else if (!accept(entry.getValue(), fieldType, key, problems)) {
                refused.add(entry.getKey());
            }
        }
        table.remove(refused);
    }

    /** Whether the value has the field's type; a table is pruned in place and kept. */
    private static boolean accept(JsonNode value, JavaType type, KeyPath key, Problems problems) {
        Kind kind = kind(type);
        boolean fits = switch (kind) {
            case TABLE, NAMED_TABLES -> value.isObject();
            case STRING -> value.isTextual();
            case INT -> value.isIntegralNumber() && value.canConvertToInt();
            case LONG -> value.isIntegralNumber() && value.canConvertToLong();
            case BOOLEAN -> value.isBoolean();
            case STRINGS -> value.isArray() && allTextual(value);
        };
        if (!fits && value.isIntegralNumber() && (kind == Kind.INT || kind == Kind.LONG)) {
            problems.add(key, "key '" + key + "' is out of range: " + value.asText() + " does not fit in "
                    + (kind == Kind.INT ? 32 : 64) + " bits");
            return false;
        }
        if (!fits) {
            String expected = kind == Kind.NAMED_TABLES ? kind.expected + ", as [" + key + ".NAME]"
                    : kind.expected;
            problems.add(key, "key '" + key + "' has the wrong type: expected " + expected + ", got "
                    + describe(value));
            return false;
        }
        if (kind == Kind.TABLE) {
            pruneTable((ObjectNode) value, type, key, problems);
        } else if (kind == Kind.NAMED_TABLES) {
            List<String> refused = new ArrayList<>();
            for (Map.Entry<String, JsonNode> entry : value.properties()) {
                if (!accept(entry.getValue(), type.getContentType(), key.child(entry.getKey()), problems)) {
                    refused.add(entry.getKey());
                }
            }
            ((ObjectNode) value).remove(refused);
        }
        return true;
    }

    private static boolean allTextual(JsonNode array) {
        for (JsonNode element : array) {
            if (!element.isTextual()) {
                return false;
            }
        }
        return true;
    }

    private static String describe(JsonNode value) {
        if (value.isTextual()) {
            return "a string";
        }
        if (value.isNumber()) {
            return (value.isIntegralNumber() ? "the integer " : "the float ") + value.asText();
        }
        if (value.isBoolean()) {
            return value.asText();
        }
        if (value.isArray()) {
            for (JsonNode element : value) {
                if (!element.isTextual()) {
                    return "an array holding " + describe(element);
                }
            }
            return value.isEmpty() ? "an empty array" : "an array of strings";
        }
        return value.isObject() ? "a table" : value.getNodeType().toString().toLowerCase(Locale.ROOT);
    }

    private static Kind kind(JavaType type) {
        Class<?> raw = type.getRawClass();
        if (type.isMapLikeType()) {
            return Kind.NAMED_TABLES;
        }
        if (type.isCollectionLikeType() && type.getContentType().getRawClass() == String.class) {
            return Kind.STRINGS;
        }
        if (raw == String.class) {
            return Kind.STRING;
        }
        if (raw == Integer.class) {
            return Kind.INT;
        }
        if (raw == Long.class) {
            return Kind.LONG;
        }
        if (raw == Boolean.class) {
            return Kind.BOOLEAN;
        }
        if (raw.getEnclosingClass() == ConfigFile.class) {
            return Kind.TABLE;
        }
        // A field type added to ConfigFile without a rule here must fail the first test that loads a config.
        throw new IllegalStateException("config field type " + type + " has no TOML kind");
    }

    private static Map<String, JavaType> fields(JavaType table) {
        Map<String, JavaType> fields = new LinkedHashMap<>();
        for (BeanPropertyDefinition property
                : INTROSPECTION.getDeserializationConfig().introspect(table).findProperties()) {
            fields.put(property.getName(), property.getPrimaryType());
        }
        return fields;
    }

    private static JavaType type(Class<?> type) {
        return INTROSPECTION.constructType(type);
    }
}

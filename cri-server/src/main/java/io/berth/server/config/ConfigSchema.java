package io.berth.server.config;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The keys config.toml may hold and the TOML type of each, read off {@link ConfigFile}'s fields so that the
 * schema and the file's shape cannot disagree. Binding a parsed file through it names every unknown key and wrong
 * type at once and leaves them out, so that the rest of the file can still be bound and its values checked.
 * Plain reflection over public fields: it runs at every berthd start, where Jackson's data binding cost 50 ms.
 */
final class ConfigSchema {
    /** The placeholder in {@link #keys()} for a name the operator picks, such as a runtime handler's. */
    static final String ANY_NAME = "*";

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

    /**
     * The file's values on a {@link ConfigFile}; every unknown key and every value of the wrong type is recorded
     * in problems and left unset.
     */
    static ConfigFile bind(Map<String, Object> file, Problems problems) {
        ConfigFile bound = new ConfigFile();
        bindTable(file, bound, KeyPath.ROOT, problems);
        return bound;
    }

    /** Every key, dotted, with {@link #ANY_NAME} for a name the operator picks. */
    static List<String> keys() {
        List<String> keys = new ArrayList<>();
        collectKeys(ConfigFile.class, "", keys);
        return keys;
    }

    private static void collectKeys(Type table, String prefix, List<String> keys) {
        fields(raw(table)).forEach((name, field) -> {
            String key = prefix + name;
            Type type = field.getGenericType();
            switch (kind(type)) {
                case TABLE -> collectKeys(type, key + ".", keys);
                case NAMED_TABLES -> collectKeys(typeArgument(type, 1), key + "." + ANY_NAME + ".", keys);
                default -> keys.add(key);
            }
        });
    }

    private static void bindTable(Map<String, Object> table, Object target, KeyPath path, Problems problems) {
        Map<String, Field> fields = fields(target.getClass());
        for (Map.Entry<String, Object> entry : table.entrySet()) {
            KeyPath key = path.child(entry.getKey());
            Field field = fields.get(entry.getKey());
            if (field == null) {
                problems.add(key, "unknown key '" + key + "'");
                continue;
            }
            Object value = convert(entry.getValue(), field.getGenericType(), key, problems);
            if (value != null) {
                try {
                    field.set(target, value);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("config field " + field + " cannot be set", e);
                }
            }
        }
    }

    /** The value as the field's type, or null after recording why it does not fit. */
    private static Object convert(Object value, Type type, KeyPath key, Problems problems) {
        Kind kind = kind(type);
        Object bound = switch (kind) {
            case TABLE -> value instanceof Map<?, ?> ? table(value, raw(type), key, problems) : null;
            case NAMED_TABLES -> value instanceof Map<?, ?> ? namedTables(value, typeArgument(type, 1), key, problems)
                    : null;
            case STRING -> value instanceof String ? value : null;
            case INT -> value instanceof Long l && l == l.intValue() ? Integer.valueOf(l.intValue()) : null;
            case LONG -> value instanceof Long ? value : null;
            case BOOLEAN -> value instanceof Boolean ? value : null;
            case STRINGS -> value instanceof List<?> list && allStrings(list) ? List.copyOf(list) : null;
        };
        if (bound != null) {
            return bound;
        }
        if ((kind == Kind.INT || kind == Kind.LONG) && (value instanceof Long || value instanceof BigInteger)) {
            problems.add(key, "key '" + key + "' is out of range: " + value + " does not fit in "
                    + (kind == Kind.INT ? 32 : 64) + " bits");
            return null;
        }
        String expected = kind == Kind.NAMED_TABLES ? kind.expected + ", as [" + key + ".NAME]" : kind.expected;
        problems.add(key, "key '" + key + "' has the wrong type: expected " + expected + ", got " + describe(value));
        return null;
    }

    private static Object table(Object value, Class<?> type, KeyPath key, Problems problems) {
        Object section;
        try {
            section = type.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("config section " + type + " cannot be made", e);
        }
        bindTable(asTable(value), section, key, problems);
        return section;
    }

    private static Map<String, Object> namedTables(Object value, Type content, KeyPath key, Problems problems) {
        Map<String, Object> bound = new LinkedHashMap<>();
        for (Map.Entry<String, Object> entry : asTable(value).entrySet()) {
            Object section = convert(entry.getValue(), content, key.child(entry.getKey()), problems);
            if (section != null) {
                bound.put(entry.getKey(), section);
            }
        }
        return bound;
    }

    private static boolean allStrings(List<?> list) {
        for (Object element : list) {
            if (!(element instanceof String)) {
                return false;
            }
        }
        return true;
    }

    private static String describe(Object value) {
        if (value instanceof String) {
            return "a string";
        }
        if (value instanceof Long || value instanceof BigInteger) {
            return "the integer " + value;
        }
        if (value instanceof Double) {
            return "the float " + value;
        }
        if (value instanceof Boolean) {
            return value.toString();
        }
        if (value instanceof TomlReader.DateTime) {
            return "a date or time";
        }
        if (value instanceof List<?> list) {
            for (Object element : list) {
                if (!(element instanceof String)) {
                    return "an array holding " + describe(element);
                }
            }
            return list.isEmpty() ? "an empty array" : "an array of strings";
        }
        return "a table";
    }

    private static Kind kind(Type type) {
        Class<?> raw = raw(type);
        if (Map.class.isAssignableFrom(raw)) {
            return Kind.NAMED_TABLES;
        }
        if (List.class.isAssignableFrom(raw) && typeArgument(type, 0) == String.class) {
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

    /** The public instance fields of a section by their TOML names, in the order declared. */
    private static Map<String, Field> fields(Class<?> section) {
        Map<String, Field> fields = new LinkedHashMap<>();
        for (Field field : section.getDeclaredFields()) {
            if (Modifier.isPublic(field.getModifiers()) && !Modifier.isStatic(field.getModifiers())) {
                fields.put(snakeCase(field.getName()), field);
            }
        }
        return fields;
    }

    /** {@code shutdownGraceSeconds} is written {@code shutdown_grace_seconds}, as ConfigFile's naming says. */
    static String snakeCase(String name) {
        StringBuilder snake = new StringBuilder(name.length() + 8);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isUpperCase(c)) {
                snake.append('_').append(Character.toLowerCase(c));
            } else {
                snake.append(c);
            }
        }
        return snake.toString();
    }

    private static Class<?> raw(Type type) {
        return type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
    }

    private static Type typeArgument(Type type, int index) {
        return type instanceof ParameterizedType p ? p.getActualTypeArguments()[index] : Object.class;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asTable(Object table) {
        return (Map<String, Object>) table;
    }
}

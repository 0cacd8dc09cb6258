package io.berth.common.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Builds a record from a parsed JSON tree through its canonical constructor: each component from the member of
 * its name, a member that is absent giving null (0 or false for a primitive), members it does not know ignored.
 * It reads what Jackson's data binding writes for records of strings, numbers, booleans, enums, lists, maps of
 * string keys and other such records, and of leaf types a caller decodes ({@link Leaf}: protobuf messages).
 *
 * <p>Why not Jackson's data binding: berthd reads every sandbox, container, image and snapshot record at each
 * start, and the binding's first use (annotation and bean introspection, deserializer construction), run by the
 * interpreter, cost a restart some 100-200 ms of CPU. Records are written by the binding still; the tests read
 * back what it wrote for every record type.
 */
public final class RecordReader {
    /** Decodes a JSON value into a type the reader does not know itself. */
    @FunctionalInterface
    public interface Leaf {
        Object read(JsonNode value) throws IOException;
    }

    /** A reader of records made only of the types it knows itself. */
    public static final RecordReader PLAIN = new RecordReader(type -> null);

    /** How to build one record type, found once per type. */
    private record Shape(Constructor<?> constructor, RecordComponent[] components) {}

    private final Function<Class<?>, Leaf> leaves;
    private final Map<Class<?>, Shape> shapes = new ConcurrentHashMap<>();
    private final Map<Class<?>, Leaf> leafCache = new ConcurrentHashMap<>();

    /** {@code leaves} gives the decoder of a type, or null for a type that is not a leaf. */
    public RecordReader(Function<Class<?>, Leaf> leaves) {
        this.leaves = leaves;
    }

    /** Whether {@link #read} can build {@code type}. */
    public static boolean reads(Class<?> type) {
        return type.isRecord();
    }

    /** The record {@code node} holds; IOException names the component that does not fit. */
    public <T> T read(JsonNode node, Class<T> type) throws IOException {
        if (!type.isRecord()) {
            throw new IllegalArgumentException(type + " is not a record");
        }
        return type.cast(value(node, type, type.getSimpleName()));
    }

    private Object value(JsonNode node, Type type, String path) throws IOException {
        Class<?> raw = raw(type);
        if (node == null || node.isNull() || node.isMissingNode()) {
            return absent(raw);
        }
        if (raw == String.class) {
            if (node.isContainerNode()) {
                throw mismatch(path, "a string", node);
            }
            return node.asText();
        }
        if (raw == int.class || raw == Integer.class) {
            return (int) integer(node, path, Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
        if (raw == long.class || raw == Long.class) {
            return integer(node, path, Long.MIN_VALUE, Long.MAX_VALUE);
        }
        if (raw == boolean.class || raw == Boolean.class) {
            if (!node.isBoolean()) {
                throw mismatch(path, "true or false", node);
            }
            return node.booleanValue();
        }
        if (raw == double.class || raw == Double.class) {
            if (!node.isNumber()) {
                throw mismatch(path, "a number", node);
            }
            return node.doubleValue();
        }
        if (raw.isEnum()) {
            return enumValue(raw, node, path);
        }
        if (JsonNode.class.isAssignableFrom(raw)) {
            return node;
        }
        if (List.class.isAssignableFrom(raw)) {
            return list(node, typeArgument(type, 0, path), path);
        }
        if (Map.class.isAssignableFrom(raw)) {
            return map(node, typeArgument(type, 1, path), path);
        }
        if (raw.isRecord()) {
            return record(node, raw, path);
        }
        if (raw == byte[].class) {
            // Base64 text in a file; binary in a tree the binding made without writing it out.
            if (!node.isTextual() && !node.isBinary()) {
                throw mismatch(path, "a base64 string", node);
            }
            return node.binaryValue();
        }
        Leaf leaf = leafCache.computeIfAbsent(raw, t -> {
            Leaf found = leaves.apply(t);
            if (found == null) {
                throw new IllegalStateException("RecordReader has no rule for " + t + " (at " + path + ")");
            }
            return found;
        });
        try {
            return leaf.read(node);
        } catch (IOException e) {
            throw new IOException(path + ": " + e.getMessage(), e);
        }
    }

    private Object record(JsonNode node, Class<?> type, String path) throws IOException {
        if (!node.isObject()) {
            throw mismatch(path, "an object", node);
        }
        Shape shape = shapes.computeIfAbsent(type, RecordReader::shape);
        RecordComponent[] components = shape.components();
        Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            args[i] = value(node.get(c.getName()), c.getGenericType(), path + "." + c.getName());
        }
        try {
            return shape.constructor().newInstance(args);
        } catch (InvocationTargetException e) {
            Throwable why = e.getCause();
            throw new IOException(path + ": " + (why.getMessage() == null ? why.getClass().getSimpleName()
                    : why.getMessage()), why);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build " + type, e);
        }
    }

    private static Shape shape(Class<?> type) {
        RecordComponent[] components = type.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
        }
        try {
            Constructor<?> constructor = type.getDeclaredConstructor(types);
            constructor.setAccessible(true);
            return new Shape(constructor, components);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(type + " has no canonical constructor", e);
        }
    }

    private List<Object> list(JsonNode node, Type element, String path) throws IOException {
        if (!node.isArray()) {
            throw mismatch(path, "an array", node);
        }
        List<Object> values = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            values.add(value(node.get(i), element, path + "[" + i + "]"));
        }
        return values;
    }

    private Map<String, Object> map(JsonNode node, Type value, String path) throws IOException {
        if (!node.isObject()) {
            throw mismatch(path, "an object", node);
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            values.put(e.getKey(), value(e.getValue(), value, path + "." + e.getKey()));
        }
        return values;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object enumValue(Class<?> type, JsonNode node, String path) throws IOException {
        if (!node.isTextual()) {
            throw mismatch(path, "a name", node);
        }
        try {
            return Enum.valueOf((Class) type, node.textValue());
        } catch (IllegalArgumentException e) {
            throw new IOException(path + ": '" + node.textValue() + "' is not a " + type.getSimpleName());
        }
    }

    /** An integer, also one written as a string (which Jackson's binding accepts too), within [min, max]. */
    private static long integer(JsonNode node, String path, long min, long max) throws IOException {
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            long value = node.longValue();
            if (value < min || value > max) {
                throw new IOException(path + ": " + value + " is out of range");
            }
            return value;
        }
        BigInteger value;
        if (node.isIntegralNumber()) {
            value = node.bigIntegerValue();
        } else if (node.isTextual()) {
            try {
                value = new BigInteger(node.textValue().trim());
            } catch (NumberFormatException e) {
                throw mismatch(path, "an integer", node);
            }
        } else {
            throw mismatch(path, "an integer", node);
        }
        if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new IOException(path + ": " + value + " is out of range");
        }
        return value.longValue();
    }

    private static Object absent(Class<?> type) {
        if (type == int.class) {
            return 0;
        }
        if (type == long.class) {
            return 0L;
        }
        if (type == boolean.class) {
            return false;
        }
        if (type == double.class) {
            return 0.0;
        }
        return null;
    }

    private static Class<?> raw(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        throw new IllegalStateException("RecordReader has no rule for the type " + type);
    }

    private static Type typeArgument(Type type, int index, String path) {
        if (type instanceof ParameterizedType p && p.getActualTypeArguments().length > index) {
            return p.getActualTypeArguments()[index];
        }
        throw new IllegalStateException("RecordReader needs the element type of " + type + " (at " + path + ")");
    }

    private static IOException mismatch(String path, String expected, JsonNode node) {
        return new IOException(path + ": expected " + expected + ", found " + node.getNodeType().toString()
                .toLowerCase(Locale.ROOT));
    }
}

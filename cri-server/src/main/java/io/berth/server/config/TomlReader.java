package io.berth.server.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a TOML 1.0 document into plain values: a table is a {@code Map<String, Object>} in the order written, an
 * array a {@code List<Object>}, and a value a String, Long, BigInteger (an integer past 64 bits), Double, Boolean
 * or {@link DateTime}. berthd reads its config at every start; Jackson's TOML reader and data binding, run by the
 * interpreter, took 0.1-0.2 s of each restart, this reader a few milliseconds (README, "berthd's JVM").
 *
 * <p>It follows the TOML rules a config file can break: a key or table defined twice, a value where a table is
 * extended, unterminated strings, bad escapes and numbers, text after a value. Where the key of a problem is known
 * it is left to {@link TomlKeyLines}, which places keys on their lines.
 */
final class TomlReader {
    /** A date, time or date-time, kept as written: no config key takes one, so it is never interpreted. */
    record DateTime(String text) {}

    /** Text that is not TOML, at a line (from 1). */
    static final class SyntaxException extends Exception {
        private static final long serialVersionUID = 1L;
        private final int line;

        SyntaxException(int line, String message) {
            super(message);
            this.line = line;
        }

        int line() {
            return line;
        }
    }

    private final TomlCursor in;
    private final Map<String, Object> root = new LinkedHashMap<>();
    /** Tables given a [header] of their own: a second header for one is an error. */
    private final Set<Object> headed = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Inline tables and arrays given as values: complete as written, nothing may add to them. */
    private final Set<Object> sealed = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Arrays made by [[header]]s, which later [[headers]] append to. */
    private final Set<Object> tableArrays = Collections.newSetFromMap(new IdentityHashMap<>());

    private TomlReader(String text) {
        this.in = new TomlCursor(text);
    }

    static Map<String, Object> read(String text) throws SyntaxException {
        TomlReader reader = new TomlReader(text);
        reader.document();
        return reader.root;
    }

    private void document() throws SyntaxException {
        Map<String, Object> table = root;
        while (true) {
            in.skipBlankLinesAndComments();
            if (in.atEnd()) {
                return;
            }
            if (in.peek() == '[') {
                table = header();
            } else {
                keyValue(table);
            }
            in.endOfLine();
        }
    }

    private Map<String, Object> header() throws SyntaxException {
        boolean array = in.consume("[[");
        if (!array) {
            in.consume("[");
        }
        List<String> key = in.key();
        if (!(array ? in.consume("]]") : in.consume("]"))) {
            throw in.error("the table header [" + String.join(".", key) + " is not closed with " + (array ? "]]" : "]"));
        }
        Map<String, Object> parent = descend(root, key.subList(0, key.size() - 1), key);
        String last = key.get(key.size() - 1);
        Object existing = parent.get(last);
        if (array) {
            List<Object> elements;
            if (existing == null) {
                elements = new ArrayList<>();
                tableArrays.add(elements);
                parent.put(last, elements);
            } else if (existing instanceof List<?> && tableArrays.contains(existing)) {
                elements = asList(existing);
            } else {
                throw in.error("key '" + String.join(".", key) + "' is already defined as something other than an"
                        + " array of tables");
            }
            Map<String, Object> element = new LinkedHashMap<>();
            elements.add(element);
            return element;
        }
        if (existing == null) {
            Map<String, Object> table = new LinkedHashMap<>();
            parent.put(last, table);
            headed.add(table);
            return table;
        }
        if (existing instanceof Map<?, ?> && !sealed.contains(existing) && headed.add(existing)) {
            return asTable(existing);
        }
        throw in.error("table [" + String.join(".", key) + "] is defined twice");
    }

    /** Walks {@code path} from {@code table}, making the tables it names that do not exist yet. */
    private Map<String, Object> descend(Map<String, Object> table, List<String> path, List<String> whole)
            throws SyntaxException {
        Map<String, Object> at = table;
        for (String segment : path) {
            Object next = at.get(segment);
            if (next == null) {
                Map<String, Object> made = new LinkedHashMap<>();
                at.put(segment, made);
                at = made;
            } else if (next instanceof List<?> list && tableArrays.contains(list)) {
                at = asTable(list.get(list.size() - 1));
            } else if (next instanceof Map<?, ?> && !sealed.contains(next)) {
                at = asTable(next);
            } else {
                throw in.error("key '" + String.join(".", whole) + "' extends '" + segment
                        + "', which is already a value");
            }
        }
        return at;
    }

    private void keyValue(Map<String, Object> table) throws SyntaxException {
        List<String> key = in.key();
        in.skipSpaces();
        if (!in.consume("=")) {
            throw in.error("expected '=' after the key '" + String.join(".", key) + "'");
        }
        in.skipSpaces();
        Object value = value();
        Map<String, Object> parent = descend(table, key.subList(0, key.size() - 1), key);
        if (parent.putIfAbsent(key.get(key.size() - 1), value) != null) {
            throw in.error("key '" + String.join(".", key) + "' is defined twice");
        }
    }

    private Object value() throws SyntaxException {
        char c = in.peek();
        if (in.startsWith("\"\"\"")) {
            return in.multiLineString('"');
        }
        if (in.startsWith("'''")) {
            return in.multiLineString('\'');
        }
        if (c == '"') {
            return in.basicString();
        }
        if (c == '\'') {
            return in.literalString();
        }
        if (c == '[') {
            return array();
        }
        if (c == '{') {
            return inlineTable();
        }
        return in.scalar();
    }

    private List<Object> array() throws SyntaxException {
        in.consume("[");
        List<Object> values = new ArrayList<>();
        while (true) {
            in.skipBlankLinesAndComments();
            if (in.consume("]")) {
                sealed.add(values);
                return values;
            }
            values.add(value());
            in.skipBlankLinesAndComments();
            if (!in.consume(",")) {
                if (in.consume("]")) {
                    sealed.add(values);
                    return values;
                }
                throw in.error("expected ',' or ']' in an array");
            }
        }
    }

    private Map<String, Object> inlineTable() throws SyntaxException {
        in.consume("{");
        Map<String, Object> table = new LinkedHashMap<>();
        in.skipSpaces();
        if (in.consume("}")) {
            sealed.add(table);
            return table;
        }
        while (true) {
            keyValue(table);
            in.skipSpaces();
            if (in.consume("}")) {
                sealTree(table);
                return table;
            }
            if (!in.consume(",")) {
                throw in.error("expected ',' or '}' in an inline table");
            }
        }
    }

    /** An inline table is complete, and so are the tables its dotted keys made. */
    private void sealTree(Map<String, Object> table) {
        sealed.add(table);
        for (Object v : table.values()) {
            if (v instanceof Map<?, ?> inner) {
                sealTree(asTable(inner));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asTable(Object table) {
        return (Map<String, Object>) table;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> asList(Object list) {
        return (List<Object>) list;
    }
}

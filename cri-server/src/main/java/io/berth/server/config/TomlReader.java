package io.berth.server.config;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

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

    private static final Pattern INTEGER = Pattern.compile("[+-]?(0|[1-9](_?[0-9])*)");
    private static final Pattern FLOAT = Pattern.compile(
            "[+-]?(0|[1-9](_?[0-9])*)(\\.[0-9](_?[0-9])*)?([eE][+-]?[0-9](_?[0-9])*)?");
    private static final Pattern DATE_TIME = Pattern.compile(
            "([0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?([Zz]|[+-][0-9]{2}:[0-9]{2})?)?"
                    + "|[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?)");

    private final String text;
    private int pos;
    private final Map<String, Object> root = new LinkedHashMap<>();
    /** Tables given a [header] of their own: a second header for one is an error. */
    private final Set<Object> headed = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Inline tables and arrays given as values: complete as written, nothing may add to them. */
    private final Set<Object> sealed = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Arrays made by [[header]]s, which later [[headers]] append to. */
    private final Set<Object> tableArrays = Collections.newSetFromMap(new IdentityHashMap<>());

    private TomlReader(String text) {
        this.text = text;
    }

    static Map<String, Object> read(String text) throws SyntaxException {
        TomlReader reader = new TomlReader(text);
        reader.document();
        return reader.root;
    }

    private void document() throws SyntaxException {
        Map<String, Object> table = root;
        while (true) {
            skipBlankLinesAndComments();
            if (pos >= text.length()) {
                return;
            }
            if (peek() == '[') {
                table = header();
            } else {
                keyValue(table);
            }
            endOfLine();
        }
    }

    private Map<String, Object> header() throws SyntaxException {
        boolean array = text.startsWith("[[", pos);
        pos += array ? 2 : 1;
        List<String> key = key();
        if (!(array ? consume("]]") : consume("]"))) {
            throw error("the table header [" + String.join(".", key) + " is not closed with " + (array ? "]]" : "]"));
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
                throw error("key '" + String.join(".", key) + "' is already defined as something other than an"
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
        throw error("table [" + String.join(".", key) + "] is defined twice");
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
                throw error("key '" + String.join(".", whole) + "' extends '" + segment
                        + "', which is already a value");
            }
        }
        return at;
    }

    private void keyValue(Map<String, Object> table) throws SyntaxException {
        List<String> key = key();
        skipSpaces();
        if (!consume("=")) {
            throw error("expected '=' after the key '" + String.join(".", key) + "'");
        }
        skipSpaces();
        Object value = value();
        Map<String, Object> parent = descend(table, key.subList(0, key.size() - 1), key);
        if (parent.putIfAbsent(key.get(key.size() - 1), value) != null) {
            throw error("key '" + String.join(".", key) + "' is defined twice");
        }
    }

    private List<String> key() throws SyntaxException {
        List<String> segments = new ArrayList<>();
        while (true) {
            skipSpaces();
            char c = peek();
            if (c == '"') {
                segments.add(basicString());
            } else if (c == '\'') {
                segments.add(literalString());
            } else {
                int start = pos;
                while (pos < text.length() && isBareKeyChar(text.charAt(pos))) {
                    pos++;
                }
                if (pos == start) {
                    throw error(pos >= text.length() || c == '\n' ? "expected a key" : "expected a key, found '"
                            + c + "'");
                }
                segments.add(text.substring(start, pos));
            }
            skipSpaces();
            if (peek() != '.') {
                return segments;
            }
            pos++;
        }
    }

    private Object value() throws SyntaxException {
        char c = peek();
        if (text.startsWith("\"\"\"", pos)) {
            return multiLineString('"');
        }
        if (text.startsWith("'''", pos)) {
            return multiLineString('\'');
        }
        if (c == '"') {
            return basicString();
        }
        if (c == '\'') {
            return literalString();
        }
        if (c == '[') {
            return array();
        }
        if (c == '{') {
            return inlineTable();
        }
        return scalar();
    }

    private List<Object> array() throws SyntaxException {
        pos++;
        List<Object> values = new ArrayList<>();
        while (true) {
            skipBlankLinesAndComments();
            if (consume("]")) {
                sealed.add(values);
                return values;
            }
            values.add(value());
            skipBlankLinesAndComments();
            if (!consume(",")) {
                if (consume("]")) {
                    sealed.add(values);
                    return values;
                }
                throw error("expected ',' or ']' in an array");
            }
        }
    }

    private Map<String, Object> inlineTable() throws SyntaxException {
        pos++;
        Map<String, Object> table = new LinkedHashMap<>();
        skipSpaces();
        if (consume("}")) {
            sealed.add(table);
            return table;
        }
        while (true) {
            keyValue(table);
            skipSpaces();
            if (consume("}")) {
                sealTree(table);
                return table;
            }
            if (!consume(",")) {
                throw error("expected ',' or '}' in an inline table");
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

    /** A number, boolean or date: the text up to the next delimiter. */
    private Object scalar() throws SyntaxException {
        int start = pos;
        while (pos < text.length() && " \t\r\n,]}#".indexOf(text.charAt(pos)) < 0) {
            pos++;
        }
        // A date and a time may be separated by one space.
        if (pos + 1 < text.length() && text.charAt(pos) == ' ' && Character.isDigit(text.charAt(pos + 1))
                && DATE_TIME.matcher(text.substring(start, pos)).matches()) {
            pos++;
            while (pos < text.length() && " \t\r\n,]}#".indexOf(text.charAt(pos)) < 0) {
                pos++;
            }
        }
        String token = text.substring(start, pos);
        if (token.isEmpty()) {
            throw error(pos >= text.length() || peek() == '\n' || peek() == '\r' ? "expected a value"
                    : "expected a value, found '" + peek() + "'");
        }
        if (!Character.isLetterOrDigit(token.charAt(0)) && token.charAt(0) != '+' && token.charAt(0) != '-') {
            pos = start;
            throw error("expected a value, found '" + token.charAt(0) + "'");
        }
        switch (token) {
            case "true":
                return Boolean.TRUE;
            case "false":
                return Boolean.FALSE;
            case "inf", "+inf":
                return Double.POSITIVE_INFINITY;
            case "-inf":
                return Double.NEGATIVE_INFINITY;
            case "nan", "+nan", "-nan":
                return Double.NaN;
            default:
                break;
        }
        if (token.length() > 2 && token.charAt(0) == '0' && "xob".indexOf(token.charAt(1)) >= 0) {
            return radixInteger(token);
        }
        if (INTEGER.matcher(token).matches()) {
            BigInteger big = new BigInteger(token.replace("_", ""));
            return big.bitLength() < 64 ? (Object) big.longValue() : big;
        }
        if (FLOAT.matcher(token).matches()) {
            return Double.parseDouble(token.replace("_", ""));
        }
        if (DATE_TIME.matcher(token).matches()) {
            return new DateTime(token);
        }
        throw error("'" + token + "' is not a TOML value (strings need quotes)");
    }

    private Object radixInteger(String token) throws SyntaxException {
        int radix = switch (token.charAt(1)) {
            case 'x' -> 16;
            case 'o' -> 8;
            default -> 2;
        };
        String digits = token.substring(2);
        if (digits.startsWith("_") || digits.endsWith("_") || digits.contains("__")) {
            throw error("'" + token + "' is not a valid integer");
        }
        try {
            BigInteger big = new BigInteger(digits.replace("_", ""), radix);
            return big.bitLength() < 64 ? (Object) big.longValue() : big;
        } catch (NumberFormatException e) {
            throw error("'" + token + "' is not a valid integer");
        }
    }

    private String basicString() throws SyntaxException {
        pos++;
        StringBuilder value = new StringBuilder();
        while (true) {
            if (pos >= text.length() || peek() == '\n' || peek() == '\r') {
                throw error("a string is not closed on its line");
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return value.toString();
            }
            if (c == '\\') {
                escape(value);
            } else if (c < 0x20 && c != '\t' || c == 0x7f) {
                throw error("a string holds the control character U+" + String.format("%04X", (int) c)
                        + "; write it as an escape");
            } else {
                value.append(c);
            }
        }
    }

    private void escape(StringBuilder value) throws SyntaxException {
        char e = peek();
        pos++;
        switch (e) {
            case 'b' -> value.append('\b');
            case 't' -> value.append('\t');
            case 'n' -> value.append('\n');
            case 'f' -> value.append('\f');
            case 'r' -> value.append('\r');
            case '"' -> value.append('"');
            case '\\' -> value.append('\\');
            case 'u', 'U' -> {
                int digits = e == 'u' ? 4 : 8;
                if (pos + digits > text.length()) {
                    throw error("\\" + e + " needs " + digits + " hex digits");
                }
                String hex = text.substring(pos, pos + digits);
                int codePoint;
                try {
                    codePoint = Integer.parseUnsignedInt(hex, 16);
                } catch (NumberFormatException ex) {
                    throw error("\\" + e + hex + " is not a valid escape");
                }
                if (!Character.isValidCodePoint(codePoint) || (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
                    throw error("\\" + e + hex + " is not a Unicode scalar value");
                }
                value.appendCodePoint(codePoint);
                pos += digits;
            }
            default -> throw error("\\" + e + " is not a valid escape");
        }
    }

    private String literalString() throws SyntaxException {
        int end = pos + 1;
        while (end < text.length() && text.charAt(end) != '\'' && text.charAt(end) != '\n') {
            end++;
        }
        if (end >= text.length() || text.charAt(end) != '\'') {
            throw error("a string is not closed on its line");
        }
        String value = text.substring(pos + 1, end);
        pos = end + 1;
        return value;
    }

    private String multiLineString(char quote) throws SyntaxException {
        String delimiter = String.valueOf(quote).repeat(3);
        int opened = pos;
        pos += 3;
        // A newline right after the opening delimiter is not part of the string.
        if (text.startsWith("\r\n", pos)) {
            pos += 2;
        } else if (peek() == '\n') {
            pos++;
        }
        StringBuilder value = new StringBuilder();
        while (pos < text.length()) {
            if (text.startsWith(delimiter, pos)) {
                pos += 3;
                // Up to two more quotes right before the closing delimiter belong to the string.
                for (int extra = 0; extra < 2 && peek() == quote; extra++) {
                    value.append(quote);
                    pos++;
                }
                return value.toString();
            }
            char c = text.charAt(pos++);
            if (quote == '"' && c == '\\') {
                if (lineEndingBackslash()) {
                    continue;
                }
                escape(value);
            } else {
                value.append(c);
            }
        }
        pos = opened;
        throw error("a multi-line string is not closed");
    }

    /** After a backslash: at the end of a line, it and all whitespace up to the next text are dropped. */
    private boolean lineEndingBackslash() {
        int p = pos;
        while (p < text.length() && (text.charAt(p) == ' ' || text.charAt(p) == '\t')) {
            p++;
        }
        if (p >= text.length() || (text.charAt(p) != '\n' && !text.startsWith("\r\n", p))) {
            return false;
        }
        while (p < text.length() && Character.isWhitespace(text.charAt(p))) {
            p++;
        }
        pos = p;
        return true;
    }

    /** After a key/value or header: only spaces and a comment may follow on the line. */
    private void endOfLine() throws SyntaxException {
        skipSpaces();
        if (peek() == '#') {
            skipComment();
        }
        if (pos >= text.length()) {
            return;
        }
        if (consume("\n") || consume("\r\n")) {
            return;
        }
        throw error("unexpected '" + peek() + "' after a value; one key = value per line");
    }

    private void skipBlankLinesAndComments() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '#') {
                skipComment();
            } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                pos++;
            } else {
                return;
            }
        }
    }

    private void skipComment() {
        while (pos < text.length() && text.charAt(pos) != '\n') {
            pos++;
        }
    }

    private void skipSpaces() {
        while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\t')) {
            pos++;
        }
    }

    private boolean consume(String s) {
        if (text.startsWith(s, pos)) {
            pos += s.length();
            return true;
        }
        return false;
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private static boolean isBareKeyChar(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }

    private SyntaxException error(String message) {
        int line = 1;
        for (int i = 0; i < Math.min(pos, text.length()); i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return new SyntaxException(line, message);
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

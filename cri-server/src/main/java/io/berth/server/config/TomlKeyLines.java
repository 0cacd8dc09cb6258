package io.berth.server.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Where each key and table header of a TOML text is written. The TOML reader keeps no position for a key once it
 * is read, so a problem found later in the parsed tree is placed with this. It follows tables ({@code [a.b]}),
 * arrays of tables ({@code [[a]]}), dotted and quoted keys, inline tables and values that span lines. Text it
 * cannot follow is skipped: the TOML reader reports syntax errors itself.
 */
final class TomlKeyLines {
    /** A key or table defined a second time, which TOML forbids. */
    record Duplicate(KeyPath key, boolean table, int line, int firstLine) {
        String message() {
            return (table ? "table [" + key + "]" : "key '" + key + "'") + " is defined twice (first on line "
                    + firstLine + ")";
        }
    }

    private final String text;
    private final int[] lineStarts;
    /** Every key and explicit table, in the order written, at the line of its first definition. */
    private final Map<KeyPath, Integer> defined = new LinkedHashMap<>();
    /** How many elements each array of tables has so far; later headers refer to its last one. */
    private final Map<KeyPath, Integer> arrayLengths = new HashMap<>();
    private final List<Duplicate> duplicates = new ArrayList<>();
    private int pos;

    private TomlKeyLines(String text) {
        this.text = text;
        this.lineStarts = lineStarts(text);
    }

    static TomlKeyLines scan(String text) {
        TomlKeyLines lines = new TomlKeyLines(text);
        lines.document();
        return lines;
    }

    /**
     * The line of the key; for a key inside an inline table or array the line of the key that holds it, and for a
     * table only named inside longer headers (the {@code runtimes} of {@code [runtimes.crun]}) its first use.
     */
    OptionalInt lineOf(KeyPath key) {
        for (KeyPath k = key; !k.segments().isEmpty(); k = k.parent()) {
            Integer line = defined.get(k);
            if (line != null) {
                return OptionalInt.of(line);
            }
        }
        return defined.entrySet().stream().filter(e -> e.getKey().startsWith(key))
                .mapToInt(Map.Entry::getValue).findFirst();
    }

    List<Duplicate> duplicates() {
        return List.copyOf(duplicates);
    }

    private void document() {
        KeyPath table = KeyPath.ROOT;
        while (true) {
            skipBlankAndComments();
            if (pos >= text.length()) {
                return;
            }
            int line = lineAt(pos);
            if (peek() == '[') {
                boolean array = charAt(pos + 1) == '[';
                pos += array ? 2 : 1;
                List<String> segments = key();
                if (segments != null && expect(']') && (!array || expect(']'))) {
                    table = array ? arrayElement(segments, line) : table(segments, line);
                }
            } else {
                List<String> segments = key();
                if (segments != null && expect('=')) {
                    KeyPath key = table.plus(segments);
                    define(key, false, line);
                    value(key);
                }
            }
            restOfLine();
        }
    }

    private KeyPath table(List<String> segments, int line) {
        KeyPath header = inLastElements(segments);
        define(header, true, line);
        return header;
    }

    private KeyPath arrayElement(List<String> segments, int line) {
        KeyPath header = inLastElements(segments);
        int length = arrayLengths.merge(header, 1, Integer::sum);
        defined.putIfAbsent(header, line);
        return header.child(elementSegment(length - 1));
    }

    /** {@code [a.b]} after {@code [[a]]} is a table in a's last element. */
    private KeyPath inLastElements(List<String> segments) {
        KeyPath path = KeyPath.ROOT;
        for (int i = 0; i < segments.size(); i++) {
            path = path.child(segments.get(i));
            Integer length = arrayLengths.get(path);
            if (i < segments.size() - 1 && length != null) {
                path = path.child(elementSegment(length - 1));
            }
        }
        return path;
    }

    private static String elementSegment(int index) {
        return "[" + index + "]";
    }

    private void define(KeyPath key, boolean table, int line) {
        Integer first = defined.putIfAbsent(key, line);
        if (first != null) {
            duplicates.add(new Duplicate(key, table, line, first));
        }
    }

    private void value(KeyPath key) {
        skipSpaces();
        if (text.startsWith("\"\"\"", pos)) {
            multiLineString('"');
        } else if (text.startsWith("'''", pos)) {
            multiLineString('\'');
        } else if (peek() == '"') {
            basicString();
        } else if (peek() == '\'') {
            literalString();
        } else if (peek() == '[') {
            array(key);
        } else if (peek() == '{') {
            inlineTable(key);
        } else {
            while (pos < text.length() && " \t\r\n,]}#".indexOf(text.charAt(pos)) < 0) {
                pos++;
            }
        }
    }

    private void array(KeyPath key) {
        pos++;
        while (true) {
            skipBlankAndComments();
            if (pos >= text.length()) {
                return;
            }
            if (peek() == ']') {
                pos++;
                return;
            }
            if (peek() == ',') {
                pos++;
                continue;
            }
            int before = pos;
            value(key);
            if (pos == before) {
                return;
            }
        }
    }

    private void inlineTable(KeyPath key) {
        pos++;
        while (true) {
            skipSpaces();
            if (pos >= text.length()) {
                return;
            }
            if (peek() == '}') {
                pos++;
                return;
            }
            if (peek() == ',') {
                pos++;
                continue;
            }
            int line = lineAt(pos);
            List<String> segments = key();
            if (segments == null || !expect('=')) {
                return;
            }
            KeyPath inner = key.plus(segments);
            define(inner, false, line);
            int before = pos;
            value(inner);
            if (pos == before) {
                return;
            }
        }
    }

    /** A dotted key's segments, or null when the text here is not a key. */
    private List<String> key() {
        List<String> segments = new ArrayList<>();
        while (true) {
            skipSpaces();
            String segment = keySegment();
            if (segment == null) {
                return null;
            }
            segments.add(segment);
            skipSpaces();
            if (peek() != '.') {
                return segments;
            }
            pos++;
        }
    }

    private String keySegment() {
        if (peek() == '"') {
            return basicString();
        }
        if (peek() == '\'') {
            return literalString();
        }
        int start = pos;
        while (pos < text.length() && isBareKeyChar(text.charAt(pos))) {
            pos++;
        }
        return pos > start ? text.substring(start, pos) : null;
    }

    private static boolean isBareKeyChar(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }

    /** A one-line "..." string with its escapes undone, or null when it does not close on its line. */
    private String basicString() {
        StringBuilder value = new StringBuilder();
        pos++;
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (c == '"') {
                return value.toString();
            }
            if (c == '\n') {
                return null;
            }
            if (c != '\\' || pos >= text.length()) {
                value.append(c);
                continue;
            }
            char escaped = text.charAt(pos++);
            switch (escaped) {
                case 'n' -> value.append('\n');
                case 't' -> value.append('\t');
                case 'r' -> value.append('\r');
                case 'b' -> value.append('\b');
                case 'f' -> value.append('\f');
                case 'u', 'U' -> value.appendCodePoint(hex(escaped == 'u' ? 4 : 8));
                default -> value.append(escaped);
            }
        }
        return null;
    }

    private int hex(int digits) {
        int end = Math.min(pos + digits, text.length());
        String hex = text.substring(pos, end);
        pos = end;
        try {
            int codePoint = Integer.parseInt(hex, 16);
            return Character.isValidCodePoint(codePoint) ? codePoint : '?';
        } catch (NumberFormatException e) {
            return '?';
        }
    }

    private String literalString() {
        int end = text.indexOf('\'', pos + 1);
        int newline = text.indexOf('\n', pos + 1);
        if (end < 0 || (newline >= 0 && newline < end)) {
            return null;
        }
        String value = text.substring(pos + 1, end);
        pos = end + 1;
        return value;
    }

    private void multiLineString(char quote) {
        String delimiter = String.valueOf(quote).repeat(3);
        pos += 3;
        while (pos < text.length()) {
            if (quote == '"' && text.charAt(pos) == '\\') {
                pos += 2;
            } else if (text.startsWith(delimiter, pos)) {
                pos += 3;
                // Up to two more quotes right before the delimiter belong to the string.
                for (int extra = 0; extra < 2 && peek() == quote; extra++) {
                    pos++;
                }
                return;
            } else {
                pos++;
            }
        }
    }

    private boolean expect(char c) {
        skipSpaces();
        if (peek() == c) {
            pos++;
            return true;
        }
        return false;
    }

    private void skipSpaces() {
        while (peek() == ' ' || peek() == '\t') {
            pos++;
        }
    }

    private void skipBlankAndComments() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '#') {
                restOfLine();
            } else if (Character.isWhitespace(c)) {
                pos++;
            } else {
                return;
            }
        }
    }

    private void restOfLine() {
        int newline = text.indexOf('\n', pos);
        pos = newline < 0 ? text.length() : newline + 1;
    }

    private char peek() {
        return charAt(pos);
    }

    private char charAt(int index) {
        return index < text.length() ? text.charAt(index) : '\0';
    }

    private int lineAt(int offset) {
        int found = Arrays.binarySearch(lineStarts, offset);
        return found >= 0 ? found + 1 : -found - 1;
    }

    private static int[] lineStarts(String text) {
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                starts.add(i + 1);
            }
        }
        return starts.stream().mapToInt(Integer::intValue).toArray();
    }
}

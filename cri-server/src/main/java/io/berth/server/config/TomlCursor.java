package io.berth.server.config;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@link TomlReader}'s position in a TOML text, and the TOML it reads there without knowing the document's
 * tables: keys, strings with their escapes, numbers, booleans and dates, blanks and comments.
 */
final class TomlCursor {
    private static final Pattern INTEGER = Pattern.compile("[+-]?(0|[1-9](_?[0-9])*)");
    private static final Pattern FLOAT = Pattern.compile(
            "[+-]?(0|[1-9](_?[0-9])*)(\\.[0-9](_?[0-9])*)?([eE][+-]?[0-9](_?[0-9])*)?");
    private static final Pattern DATE_TIME = Pattern.compile(
            "([0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?([Zz]|[+-][0-9]{2}:[0-9]{2})?)?"
                    + "|[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?)");

    private final String text;
    private int pos;

    TomlCursor(String text) {
        this.text = text;
    }

    boolean atEnd() {
        return pos >= text.length();
    }

    boolean startsWith(String s) {
        return text.startsWith(s, pos);
    }

    List<String> key() throws TomlReader.SyntaxException {
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

    /** A number, boolean or date: the text up to the next delimiter. */
    Object scalar() throws TomlReader.SyntaxException {
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
            return new TomlReader.DateTime(token);
        }
        throw error("'" + token + "' is not a TOML value (strings need quotes)");
    }

    private Object radixInteger(String token) throws TomlReader.SyntaxException {
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

    String basicString() throws TomlReader.SyntaxException {
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

    private void escape(StringBuilder value) throws TomlReader.SyntaxException {
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

    String literalString() throws TomlReader.SyntaxException {
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

    String multiLineString(char quote) throws TomlReader.SyntaxException {
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
    void endOfLine() throws TomlReader.SyntaxException {
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

    void skipBlankLinesAndComments() {
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

    void skipSpaces() {
        while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\t')) {
            pos++;
        }
    }

    boolean consume(String s) {
        if (text.startsWith(s, pos)) {
            pos += s.length();
            return true;
        }
        return false;
    }

    char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private static boolean isBareKeyChar(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }

    TomlReader.SyntaxException error(String message) {
        int line = 1;
        for (int i = 0; i < Math.min(pos, text.length()); i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return new TomlReader.SyntaxException(line, message);
    }
}

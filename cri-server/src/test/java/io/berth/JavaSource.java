package io.berth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One Java source file as the style checks read it: its imports, and its code with comments and literals blanked
 * out (line breaks kept, so line numbers stay right), so that a name in a comment or a string is never taken
 * for code.
 */
record JavaSource(Path path, String text, String code) {
    private static final Pattern DECLARED_TYPE =
            Pattern.compile("\\b(?:class|interface|enum|record)\\s+([A-Z]\\w*)");

    static JavaSource read(Path path) throws IOException {
        String text = Files.readString(path);
        return new JavaSource(path, text, blankCommentsAndLiterals(text));
    }

    /** The import lines, in file order, without {@code import } and the semicolon. */
    List<String> imports() {
        List<String> out = new ArrayList<>();
        for (String line : code.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("import ") && trimmed.endsWith(";")) {
                out.add(trimmed.substring("import ".length(), trimmed.length() - 1).strip());
            }
        }
        return out;
    }

    /** Simple names of the types this file declares, nested ones included. */
    Set<String> declaredTypes() {
        Matcher m = DECLARED_TYPE.matcher(code);
        return m.results().map(r -> r.group(1)).collect(Collectors.toSet());
    }

    /** The code lines (1-based), with package and import lines left empty. */
    List<String> bodyLines() {
        List<String> out = new ArrayList<>();
        for (String line : code.split("\n", -1)) {
            String trimmed = line.strip();
            out.add(trimmed.startsWith("package ") || trimmed.startsWith("import ") ? "" : line);
        }
        return out;
    }

    static String blankCommentsAndLiterals(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        int n = text.length();
        while (i < n) {
            int end;
            if (text.startsWith("//", i)) {
                end = text.indexOf('\n', i);
                end = end < 0 ? n : end;
            } else if (text.startsWith("/*", i)) {
                end = text.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
            } else if (text.startsWith("\"\"\"", i)) {
                end = text.indexOf("\"\"\"", i + 3);
                end = end < 0 ? n : end + 3;
            } else if (text.charAt(i) == '"' || text.charAt(i) == '\'') {
                end = literalEnd(text, i);
            } else {
                out.append(text.charAt(i++));
                continue;
            }
            for (int j = i; j < end; j++) {
                out.append(text.charAt(j) == '\n' ? '\n' : ' ');
            }
            i = end;
        }
        return out.toString();
    }

    /** The index after a string or char literal that starts at {@code start}. */
    private static int literalEnd(String text, int start) {
        char quote = text.charAt(start);
        int i = start + 1;
        while (i < text.length() && text.charAt(i) != quote && text.charAt(i) != '\n') {
            i += text.charAt(i) == '\\' ? 2 : 1;
        }
        return Math.min(i + 1, text.length());
    }
}

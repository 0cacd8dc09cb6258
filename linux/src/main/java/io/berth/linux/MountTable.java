package io.berth.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The mount points this process sees, read from {@code /proc/self/mountinfo}. */
public final class MountTable {
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private MountTable() {}

    public static List<Path> mountPoints() {
        try {
            List<Path> points = new ArrayList<>();
            for (String line : Files.readAllLines(MOUNTINFO, StandardCharsets.UTF_8)) {
                String[] fields = line.split(" ");
                if (fields.length > 4) {
                    points.add(Path.of(unescape(fields[4])));
                }
            }
            return points;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + MOUNTINFO, e);
        }
    }

    /** Mount points at {@code dir} or below it, deepest first, so they can be unmounted in that order. */
    public static List<Path> mountPointsUnder(Path dir) {
        Path base = dir.toAbsolutePath().normalize();
        List<Path> under = new ArrayList<>();
        for (Path p : mountPoints()) {
            if (p.startsWith(base)) {
                under.add(p);
            }
        }
        under.sort((a, b) -> Integer.compare(b.getNameCount(), a.getNameCount()));
        return under;
    }

    public static boolean isMountPoint(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        return mountPoints().contains(abs);
    }

    /** The kernel writes space, tab, newline and backslash in paths as three-digit octal escapes. */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }
}

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
        List<Path> points = new ArrayList<>();
        for (String point : mountPointFields()) {
            points.add(Path.of(point));
        }
        return points;
    }

    /** Mount points at {@code dir} or below it, deepest first, so they can be unmounted in that order. */
    public static List<Path> mountPointsUnder(Path dir) {
        Path base = dir.toAbsolutePath().normalize();
        String prefix = base.toString();
        List<Path> under = new ArrayList<>();
        // Compared as text first: a node with many pods has hundreds of mounts, and making a Path of each was
        // most of this call's time at every berthd start.
        for (String point : mountPointFields()) {
            if (point.startsWith(prefix)) {
                Path p = Path.of(point);
                if (p.startsWith(base)) {
                    under.add(p);
                }
            }
        }
        under.sort((a, b) -> Integer.compare(b.getNameCount(), a.getNameCount()));
        return under;
    }

    /** Each line's mount point (its fifth field), unescaped. */
    private static List<String> mountPointFields() {
        try {
            List<String> points = new ArrayList<>();
            for (String line : Files.readAllLines(MOUNTINFO, StandardCharsets.UTF_8)) {
                String field = field(line, 4);
                if (field != null) {
                    points.add(unescape(field));
                }
            }
            return points;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + MOUNTINFO, e);
        }
    }

    /** The space-separated field at {@code index} (from 0), or null when the line is shorter. */
    static String field(String line, int index) {
        int start = 0;
        for (int i = 0; i < index; i++) {
            start = line.indexOf(' ', start) + 1;
            if (start == 0) {
                return null;
            }
        }
        int end = line.indexOf(' ', start);
        return end < 0 ? line.substring(start) : line.substring(start, end);
    }

    public static boolean isMountPoint(Path dir) {
        // Mount points are written absolute and normalised, so text compares as paths do.
        return mountPointFields().contains(dir.toAbsolutePath().normalize().toString());
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

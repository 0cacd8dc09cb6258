package io.berth.linux.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads the few cgroupfs file shapes. A file that is not there (controller not enabled, kernel too old,
 * cgroup removed while we read) is absent, never zero, so callers can tell "no data" from "nothing used".
 */
final class CgroupFiles {
    /**
     * v1 writes "no limit" as LONG_MAX rounded down to a page (9223372036854771712); anything this large is
     * no limit, whatever the page size.
     */
    private static final long UNLIMITED_THRESHOLD = 1L << 62;

    private CgroupFiles() {}

    static Optional<String> read(Path file) throws IOException {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** A file holding one number ({@code memory.current}, {@code cpuacct.usage}, {@code pids.current}). */
    static OptionalLong number(Path file) throws IOException {
        Optional<String> text = read(file);
        return text.isEmpty() ? OptionalLong.empty() : OptionalLong.of(parse(text.get().trim(), file));
    }

    /** A limit file: {@code max} (v2) or a near-LONG_MAX value (v1) is no limit, reported as absent. */
    static OptionalLong limit(Path file) throws IOException {
        Optional<String> text = read(file);
        if (text.isEmpty() || text.get().trim().equals("max")) {
            return OptionalLong.empty();
        }
        long value = parse(text.get().trim(), file);
        return value >= UNLIMITED_THRESHOLD ? OptionalLong.empty() : OptionalLong.of(value);
    }

    /** A flat keyed file, one {@code key value} per line ({@code memory.stat}, {@code cpu.stat}, ...). */
    static Optional<Map<String, Long>> keyed(Path file) throws IOException {
        Optional<String> text = read(file);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        // Split by hand, not by regex: kubelet reads memory.stat of every container every few seconds, and a
        // regex split per line cost as much as reading the file.
        String all = text.get();
        Map<String, Long> values = new HashMap<>();
        int start = 0;
        while (start < all.length()) {
            int end = all.indexOf('\n', start);
            if (end < 0) {
                end = all.length();
            }
            String line = all.substring(start, end).trim();
            start = end + 1;
            int space = line.indexOf(' ');
            if (space <= 0 || line.indexOf(' ', space + 1) >= 0) {
                continue;
            }
            try {
                values.put(line.substring(0, space), Long.parseLong(line.substring(space + 1)));
            } catch (NumberFormatException e) {
                // One key we do not use (a u64 limit beyond LONG_MAX, say) must not cost the whole reading.
            }
        }
        return Optional.of(values);
    }

    static OptionalLong key(Optional<Map<String, Long>> values, String key) {
        if (values.isEmpty() || !values.get().containsKey(key)) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(values.get().get(key));
    }

    private static long parse(String value, Path file) throws IOException {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            // Counters are u64 in the kernel; one beyond LONG_MAX is not a value a container produces.
            throw new IOException(file + ": not a number: '" + value + "'", e);
        }
    }
}

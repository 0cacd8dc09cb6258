package io.berth.e2e.kubelet;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * One consistent read of a container's log files in kubelet's pod log dir: the rotated ones kubelet's log manager
 * left ({@code 0.log.<yyyyMMdd-HHmmss>}, the older ones gzipped to {@code .gz}) oldest first, then the current
 * {@code 0.log}. Each line is in the CRI format {@code <time> <stream> <F|P> <text>}; the texts here are
 * {@code line-<n>}.
 */
record RotatedLogSnapshot(List<String> files, List<List<Long>> numbers) {
    private static final Pattern ROTATED = Pattern.compile("0\\.log\\.(\\d{8}-\\d{6})(\\.gz)?");
    private static final Pattern CRI_LINE = Pattern.compile("\\S+ stdout F line-(\\d+)");

    /**
     * Reads every log file of {@code dir} in order; empty if kubelet rotated while it read (the file list changed,
     * or a file went), so that the caller reads again.
     */
    static Optional<RotatedLogSnapshot> read(Path dir) throws IOException {
        List<String> before = logFiles(dir);
        List<List<Long>> numbers = new ArrayList<>();
        try {
            for (String name : before) {
                numbers.add(numbers(dir.resolve(name), name));
            }
        } catch (java.nio.file.NoSuchFileException | java.io.EOFException e) {
            return Optional.empty();
        }
        return logFiles(dir).equals(before) ? Optional.of(new RotatedLogSnapshot(before, numbers))
                : Optional.empty();
    }

    boolean hasCompressed() {
        return files.stream().anyMatch(f -> f.endsWith(".gz"));
    }

    /** Names of the rotated files (their timestamps tell one rotation from another). */
    List<String> rotated() {
        return files.stream().filter(f -> !f.equals("0.log")).toList();
    }

    /** All numbers, file after file. */
    List<Long> all() {
        return numbers.stream().flatMap(List::stream).toList();
    }

    /** Where the numbers, read across all files in order, do not go up by one; empty when none. */
    Optional<String> gap() {
        List<Long> all = all();
        for (int i = 1; i < all.size(); i++) {
            if (all.get(i) != all.get(i - 1) + 1) {
                return Optional.of("line-" + all.get(i - 1) + " is followed by line-" + all.get(i) + " in " + this);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < files.size(); i++) {
            List<Long> n = numbers.get(i);
            s.append(files.get(i)).append(n.isEmpty() ? " (empty)" : " [line-" + n.get(0) + " .. line-"
                    + n.get(n.size() - 1) + ", " + n.size() + " lines]").append("; ");
        }
        return s.toString();
    }

    /**
     * The log files, oldest first. While kubelet compresses a rotated file both it and its .gz may be there
     * (same lines): the .gz is left out then. Temp files of a compression in progress are left out.
     */
    private static List<String> logFiles(Path dir) throws IOException {
        List<String> names;
        try (Stream<Path> list = Files.list(dir)) {
            names = list.map(p -> p.getFileName().toString()).toList();
        }
        List<String> rotated = names.stream().filter(n -> ROTATED.matcher(n).matches())
                .filter(n -> !(n.endsWith(".gz") && names.contains(n.substring(0, n.length() - 3))))
                .sorted(Comparator.comparing((String n) -> timestamp(n))).toList();
        List<String> files = new ArrayList<>(rotated);
        if (names.contains("0.log")) {
            files.add("0.log");
        }
        return files;
    }

    private static String timestamp(String rotatedName) {
        Matcher m = ROTATED.matcher(rotatedName);
        m.matches();
        return m.group(1);
    }

    /**
     * The line numbers of one file. Only the current 0.log may end in a line still being written, which is left
     * out; any line not in the expected format is an error.
     */
    private static List<Long> numbers(Path file, String name) throws IOException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            InputStream content = name.endsWith(".gz") ? new GZIPInputStream(in) : in;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            content.transferTo(out);
            bytes = out.toByteArray();
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        String last = lines.remove(lines.size() - 1);
        if (!last.isEmpty() && !name.equals("0.log")) {
            throw new IllegalStateException(name + " ends in an unterminated line: " + last);
        }
        List<Long> numbers = new ArrayList<>();
        for (String line : lines) {
            Matcher m = CRI_LINE.matcher(line);
            if (!m.matches()) {
                throw new IllegalStateException(name + " has a line not in the CRI format expected: " + line);
            }
            numbers.add(Long.parseLong(m.group(1)));
        }
        return numbers;
    }
}

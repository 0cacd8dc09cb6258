package io.berth.e2e.pods;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One entry of a CRI container log, the format kubelet parses: {@code <RFC3339Nano> <stdout|stderr> <F|P> <text>}.
 * Go's RFC3339Nano is UTC with a 'Z', and a fraction of 1-9 digits without trailing zeros (none at all on a whole
 * second). A line that does not match exactly is an error, never skipped.
 */
public record CriLogLine(String timestamp, String stream, String tag, String content) {
    public static final Pattern FORMAT = Pattern.compile(
            "(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d{0,8}[1-9])?Z) (stdout|stderr) ([FP]) (.*)");

    public static CriLogLine parse(String line) {
        Matcher m = FORMAT.matcher(line);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a CRI log line: '" + line + "'");
        }
        return new CriLogLine(m.group(1), m.group(2), m.group(3), m.group(4));
    }

    /** Every whole entry of the file; an absent file (the container wrote nothing yet) has none. */
    public static List<CriLogLine> read(Path file) {
        try {
            List<CriLogLine> out = new ArrayList<>();
            String text = Files.readString(file, StandardCharsets.UTF_8);
            // While the container runs, a read may catch the shim in the middle of writing the last entry.
            String whole = text.substring(0, text.lastIndexOf('\n') + 1);
            if (whole.isEmpty()) {
                return out;
            }
            for (String line : whole.split("\n")) {
                out.add(parse(line));
            }
            return out;
        } catch (NoSuchFileException absent) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean full() {
        return tag.equals("F");
    }
}

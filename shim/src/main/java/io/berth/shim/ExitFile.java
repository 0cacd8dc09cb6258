package io.berth.shim;

import io.berth.common.io.AtomicFiles;
import io.berth.shim.api.ExitStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The container's exit status on disk, as {@code key=value} lines a person can read too. The shim writes
 * it (temp file, fsync, rename) before it tells anyone of the exit, so berthd learns the exit code even
 * when the shim died right after.
 */
public final class ExitFile {
    private ExitFile() {}

    public static void write(Path file, ExitStatus exit) throws IOException {
        String text = "exit_code=" + exit.getExitCode() + "\n"
                + "signal=" + exit.getSignal() + "\n"
                + "exited_at_unix_nanos=" + exit.getExitedAtUnixNanos() + "\n"
                + "reason=" + exit.getReason() + "\n"
                + "message=" + oneLine(exit.getMessage()) + "\n";
        AtomicFiles.write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The recorded exit, or empty when the container has not exited (or no shim recorded it). */
    public static Optional<ExitStatus> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Map<String, String> fields = new HashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                fields.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        try {
            return Optional.of(ExitStatus.newBuilder()
                    .setExitCode(Integer.parseInt(fields.get("exit_code")))
                    .setSignal(Integer.parseInt(fields.get("signal")))
                    .setExitedAtUnixNanos(Long.parseLong(fields.get("exited_at_unix_nanos")))
                    .setReason(fields.get("reason"))
                    .setMessage(unescape(fields.getOrDefault("message", "")))
                    .build());
        } catch (RuntimeException e) {
            throw new IOException("malformed exit file " + file + ": " + fields, e);
        }
    }

    /** A message on one line: backslashes and newlines escaped, so the key=value lines stay lines. */
    private static String oneLine(String text) {
        return text.replace("\\", "\\\\").replace("\n", "\\n");
    }

    private static String unescape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                char next = text.charAt(++i);
                out.append(next == 'n' ? '\n' : next);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}

package io.berth.common.io;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes a file so that a reader, or a restart after a crash, sees either the old content or the new
 * one, never a torn mix: write a temp file beside it, fsync it, rename over the target, fsync the dir. Both
 * run to their end on an interrupted thread.
 */
public final class AtomicFiles {
    /** The temp files {@link #write} makes: ".<target name>.tmp-<pid>-<thread id>". */
    private static final Pattern TEMP_NAME = Pattern.compile("\\..+\\.tmp-[0-9]+-[0-9]+");
    /** A thread interrupted again and again while it flushes gives up: one interrupt per cancel is the norm. */
    private static final int MAX_FSYNC_ATTEMPTS = 3;

    private AtomicFiles() {}

    public static void write(Path target, byte[] content) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + Thread.currentThread().getId());
        try {
            // A stream, not a channel: an interrupt does not cut a record's write short (see fsyncDir).
            try (FileOutputStream out = new FileOutputStream(tmp.toFile())) {
                out.write(content);
                out.getFD().sync();
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot atomically replace " + target + ": " + e.getMessage(), e);
            }
            fsyncDir(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Deletes the temp files that a writer killed between writing and renaming (kill -9, power loss) left
     * in {@code dir}; returns how many. No reader ever sees them, but nothing else would ever remove them.
     * Call it only while nothing writes into the dir, as at start-up. A missing dir has none.
     */
    public static int removeLeftovers(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int removed = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> TEMP_NAME.matcher(p.getFileName().toString()).matches()).toList()) {
                if (Files.deleteIfExists(f)) {
                    removed++;
                }
            }
        }
        return removed;
    }

    /**
     * Makes a rename or a create inside the directory durable. It runs to its end on an interrupted thread and
     * leaves the thread's flag as it found it (set, or set by an interrupt that came meanwhile): it follows a
     * rename that has happened, and a caller told that it failed would forget a change that is on disk. A pull's
     * cancelled download thread did exactly that: a snapshot dir was in place that no record in memory named.
     */
    public static void fsyncDir(Path dir) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            for (int attempt = 1; ; attempt++) {
                try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
                    ch.force(true);
                    return;
                } catch (ClosedByInterruptException e) {
                    // An interrupt during force closed the channel; the flush itself is safe to do again.
                    interrupted |= Thread.interrupted();
                    if (attempt == MAX_FSYNC_ATTEMPTS) {
                        throw new IOException("cannot flush " + dir + ": interrupted " + attempt + " times", e);
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

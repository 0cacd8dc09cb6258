package io.berth.shim;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The container's log in the CRI format kubelet reads: {@code <RFC3339Nano time> <stream> <P|F> <content>\n}
 * per entry. Each entry is one {@code write} on an O_APPEND file, so two streams never interleave inside
 * an entry. The file is opened with O_NOFOLLOW: a symlink planted at the path is refused, never followed.
 */
final class CriLog implements Closeable {
    enum Stream {
        STDOUT("stdout"), STDERR("stderr");

        final byte[] word;

        Stream(String word) {
            this.word = word.getBytes(StandardCharsets.US_ASCII);
        }
    }

    private static final int TAIL_READ = 4096;
    private static final int TAIL_LINES = 5;
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss");

    private final Path path;
    private FileChannel file;
    private ByteBuffer entry = ByteBuffer.allocate(LinePump.MAX_LINE + 128);
    private boolean writeFailureReported;

    private CriLog(Path path, FileChannel file) {
        this.path = path;
        this.file = file;
    }

    static CriLog open(Path path) throws IOException {
        return new CriLog(path, openFile(path));
    }

    private static FileChannel openFile(Path path) throws IOException {
        try {
            // NOFOLLOW_LINKS on open is O_NOFOLLOW; APPEND is O_APPEND.
            return FileChannel.open(path, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----")));
        } catch (IOException e) {
            throw new IOException("cannot open the container log " + path + ": " + e.getMessage(), e);
        }
    }

    /** Writes one entry; {@code partial} marks a chunk of a longer line (P) rather than a whole line (F). */
    synchronized void write(Stream stream, boolean partial, byte[] content, int length) {
        byte[] time = timestamp(Instant.now()).getBytes(StandardCharsets.US_ASCII);
        entry.clear();
        entry.put(time).put((byte) ' ').put(stream.word).put((byte) ' ').put((byte) (partial ? 'P' : 'F'))
                .put((byte) ' ').put(content, 0, length).put((byte) '\n').flip();
        try {
            while (entry.hasRemaining()) {
                file.write(entry);
            }
        } catch (IOException e) {
            // Keep draining the container's output (so it never blocks on a full pipe); say so once.
            if (!writeFailureReported) {
                ShimLog.error("cannot write the container log " + path + ", dropping output: " + e);
                writeFailureReported = true;
            }
            dropTornEntry(entry.position());
        }
    }

    /**
     * A full disk takes the part of an entry that fits in the file's last page and refuses the rest. Left there,
     * that fragment would run into the next entry once space is freed, and kubelet would read one garbled line;
     * so it is cut off, and the file ends with a whole entry again.
     */
    private void dropTornEntry(int written) {
        if (written == 0) {
            return;
        }
        try {
            file.truncate(file.size() - written);
        } catch (IOException e) {
            ShimLog.error("cannot cut a torn entry off the container log " + path + ": " + e);
        }
    }

    /**
     * Opens the path afresh, after logrotate moved the old file away. If that fails the old file stays in
     * use, so no output is lost.
     */
    synchronized void reopen() throws IOException {
        FileChannel fresh = openFile(path);
        FileChannel old = file;
        file = fresh;
        writeFailureReported = false;
        old.close();
    }

    /**
     * The last few stderr lines of the log, joined by "; ": after a failed create they are what the runtime said.
     * Read from the file's end, so that nothing is kept in memory for a container that runs.
     */
    synchronized String stderrTail() {
        byte[] tail;
        try (FileChannel in = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = in.size();
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(size, TAIL_READ));
            in.read(buf, size - buf.capacity());
            tail = buf.array();
        } catch (IOException e) {
            return "";
        }
        List<String> said = new ArrayList<>();
        for (String line : new String(tail, StandardCharsets.UTF_8).split("\n")) {
            String[] fields = line.split(" ", 4);
            if (fields.length == 4 && fields[1].equals("stderr") && !fields[3].isBlank()) {
                said.add(fields[3].strip());
            }
        }
        return String.join("; ", said.subList(Math.max(0, said.size() - TAIL_LINES), said.size()));
    }

    @Override
    public synchronized void close() throws IOException {
        file.close();
    }

    /** Go's RFC3339Nano in UTC: fraction without trailing zeros, and none at all for a whole second. */
    static String timestamp(Instant t) {
        String seconds = SECONDS.format(LocalDateTime.ofEpochSecond(t.getEpochSecond(), 0, ZoneOffset.UTC));
        int nanos = t.getNano();
        if (nanos == 0) {
            return seconds + "Z";
        }
        String fraction = String.format("%09d", nanos);
        int end = fraction.length();
        while (fraction.charAt(end - 1) == '0') {
            end--;
        }
        return seconds + "." + fraction.substring(0, end) + "Z";
    }
}

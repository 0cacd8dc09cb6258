package io.berth.shim;

import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The container's log in the CRI format kubelet reads: {@code <RFC3339Nano time> <stream> <P|F> <content>\n}
 * per entry. Each entry is one {@code write} on an O_APPEND file, so two streams never interleave inside
 * an entry. The file is opened with O_NOFOLLOW: a symlink planted at the path is refused, never followed. And it is
 * opened (and reopened, after a rotation) below a handle on its directory taken at the first open: a container that
 * sees its log directory cannot swap the directory for a symlink to make a reopen create the log elsewhere.
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

    private static final int MODE = 0640;

    private final Path path;
    private final int directory;
    private FileChannel file;
    // Direct, so that each entry goes to write(2) without a copy.
    private final ByteBuffer entry = ByteBuffer.allocateDirect(LinePump.MAX_LINE + 128);
    private boolean writeFailureReported;

    private CriLog(Path path, int directory, FileChannel file) {
        this.path = path;
        this.directory = directory;
        this.file = file;
    }

    static CriLog open(Path path) throws IOException {
        int directory;
        try {
            directory = FileDescriptors.openDirectoryHandle(path.getParent().toString());
        } catch (IOException e) {
            throw new IOException("cannot open the directory of the container log " + path + ": "
                    + e.getMessage(), e);
        }
        try {
            return new CriLog(path, directory, openFile(directory, path));
        } catch (IOException | RuntimeException e) {
            FileDescriptors.closeQuietly(directory);
            throw e;
        }
    }

    private static FileChannel openFile(int directory, Path path) throws IOException {
        int fd;
        try {
            fd = FileDescriptors.openAppendNoFollow(directory, path.getFileName().toString(), MODE);
        } catch (ErrnoException e) {
            throw new IOException("cannot open the container log " + path + ": " + e.getMessage()
                    + (e.errno() == ErrnoException.ELOOP ? " (it is a symbolic link; berth does not follow one to a log)" : ""), e);
        }
        try {
            // The file was opened below the directory handle, refusing a link: /proc/self/fd names that very
            // file and resolves no path again, and gives the JDK's channel (size and truncate for a torn entry).
            return FileChannel.open(descriptorPath(fd), StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } finally {
            FileDescriptors.closeQuietly(fd);
        }
    }

    private static Path descriptorPath(int fd) {
        return Path.of("/proc/self/fd", Integer.toString(fd));
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
        FileChannel fresh = openFile(directory, path);
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
        // Below the directory handle, as the log was opened: a container cannot point this read elsewhere.
        Path inDirectory = descriptorPath(directory).resolve(path.getFileName().toString());
        try (FileChannel in = FileChannel.open(inDirectory, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
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
        FileDescriptors.closeQuietly(directory);
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

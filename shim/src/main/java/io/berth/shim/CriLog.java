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
 * per entry. The entries of one read of a container's output share its time and go out together, in as few
 * {@code write}s on the O_APPEND file as fit {@link #BATCH_BYTES}: a container printing short lines as fast as it
 * can costs the host a few system calls per read, not one per line, so it keeps no neighbour waiting on the
 * event loop (see {@link LinePump}). Entries are only ever written whole, so two streams never interleave
 * inside one. The file is opened with O_NOFOLLOW: a symlink planted at the path is refused, never followed. And it is
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
    /**
     * What waits in memory before a write: room for the longest entry, or for hundreds of short ones. Every
     * container has one, so it is no bigger: at 16 KiB a flood of one-byte lines costs one write per ~400 lines.
     */
    static final int BATCH_BYTES = LinePump.MAX_LINE + 128;

    private static final int MODE = 0640;

    private final Path path;
    private final int directory;
    private FileChannel file;
    // Direct, so that the batch goes to write(2) without a copy.
    private final ByteBuffer batch = ByteBuffer.allocateDirect(BATCH_BYTES);
    /** The entry prefixes of the last time and stream added: the entries of one read share them. */
    private byte[] prefixTime;
    private Stream prefixStream;
    private byte[] fullPrefix;
    private byte[] partialPrefix;
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

    /** Writes one entry now; {@code partial} marks a chunk of a longer line (P) rather than a whole line (F). */
    synchronized void write(Stream stream, boolean partial, byte[] content, int length) {
        add(stream, partial, stamp(Instant.now()), ByteBuffer.wrap(content), 0, length);
        flush();
    }

    /**
     * Adds an entry stamped {@code time} (see {@link #stamp}) whose content is {@code length} bytes of {@code
     * content} from {@code offset} (at most {@link LinePump#MAX_LINE}), to be written by the next {@link #flush()}
     * at the latest.
     */
    synchronized void add(Stream stream, boolean partial, byte[] time, ByteBuffer content, int offset, int length) {
        if (time != prefixTime || stream != prefixStream) {
            prefixTime = time;
            prefixStream = stream;
            fullPrefix = prefix(time, stream, 'F');
            partialPrefix = prefix(time, stream, 'P');
        }
        byte[] prefix = partial ? partialPrefix : fullPrefix;
        if (batch.remaining() < prefix.length + length + 1) {
            flush();
        }
        batch.put(prefix).put(batch.position(), content, offset, length).position(batch.position() + length)
                .put((byte) '\n');
    }

    /** What every entry of one time and stream starts with: {@code <time> <stream> <P|F> }. */
    private static byte[] prefix(byte[] time, Stream stream, char tag) {
        ByteBuffer prefix = ByteBuffer.allocate(time.length + stream.word.length + 4);
        prefix.put(time).put((byte) ' ').put(stream.word).put((byte) ' ').put((byte) tag).put((byte) ' ');
        return prefix.array();
    }

    /** Writes the entries added so far. */
    synchronized void flush() {
        batch.flip();
        try {
            while (batch.hasRemaining()) {
                file.write(batch);
            }
        } catch (IOException e) {
            // Keep draining the container's output (so it never blocks on a full pipe); say so once.
            if (!writeFailureReported) {
                ShimLog.error("cannot write the container log " + path + ", dropping output: " + e);
                writeFailureReported = true;
            }
            dropTornEntry(batch.position());
        } finally {
            batch.clear();
        }
    }

    /**
     * A full disk takes the part of a batch that fits in the file's last page and refuses the rest. Left there,
     * the fragment of the entry it cut would run into the next entry once space is freed, and kubelet would read
     * one garbled line; so the fragment is cut off, and the file ends with a whole entry again.
     */
    private void dropTornEntry(int written) {
        int whole = written;
        while (whole > 0 && batch.get(whole - 1) != '\n') {
            whole--;
        }
        if (whole == written) {
            return;
        }
        try {
            file.truncate(file.size() - (written - whole));
        } catch (IOException e) {
            ShimLog.error("cannot cut a torn entry off the container log " + path + ": " + e);
        }
    }

    /**
     * Opens the path afresh, after logrotate moved the old file away. If that fails the old file stays in
     * use, so no output is lost.
     */
    synchronized void reopen() throws IOException {
        flush();
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
        flush();
        file.close();
        FileDescriptors.closeQuietly(directory);
    }

    /** {@link #timestamp} as the bytes an entry starts with. */
    static byte[] stamp(Instant t) {
        return timestamp(t).getBytes(StandardCharsets.US_ASCII);
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

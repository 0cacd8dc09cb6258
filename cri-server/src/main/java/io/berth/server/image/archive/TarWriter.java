package io.berth.server.image.archive;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Writes a tar archive of directories and regular files: POSIX ustar headers, with a PAX extended header
 * for what ustar cannot hold (a name longer than 100 bytes or not ASCII, a size of 8 GiB or more), as Go's
 * archive/tar does, so that docker, ctr, podman and GNU tar all read it.
 *
 * <p>The output depends only on the names, order and contents given: owner 0:0 with no user or group names,
 * mtime 0, mode 0644 for files and 0755 for directories. Entries are written in the order they are added;
 * sorting them is the caller's choice. {@link #close()} ends the archive and flushes; it does not close the
 * stream written to, which the caller owns.
 */
public final class TarWriter implements Closeable {
    private static final int BLOCK = 512;
    private static final int NAME_FIELD = 100;
    /** The largest size 11 octal digits hold. */
    private static final long MAX_USTAR_SIZE = 077777777777L;
    /** Far below what PATH_MAX allows, far above any image layout; a deeper tree is refused, not recursed. */
    private static final int MAX_TREE_DEPTH = 64;
    private static final char REGULAR = '0';
    private static final char DIRECTORY = '5';
    private static final char PAX = 'x';

    private final OutputStream out;
    private final byte[] copyBuffer = new byte[64 * 1024];
    private boolean closed;

    public TarWriter(OutputStream out) {
        this.out = out;
    }

    /** Adds a directory entry; a trailing {@code /} is added when missing. */
    public void addDirectory(String name) throws IOException {
        String dir = checkedName(name);
        writeHeader(dir.endsWith("/") ? dir : dir + "/", DIRECTORY, 0, 0755);
    }

    /** Adds a regular file of exactly {@code size} bytes read from {@code content}, which the caller closes. */
    public void addFile(String name, long size, InputStream content) throws IOException {
        String file = checkedName(name);
        if (file.endsWith("/")) {
            throw new IllegalArgumentException("tar member '" + name + "' is a file but ends with '/'");
        }
        if (size < 0) {
            throw new IllegalArgumentException("tar member '" + name + "' has negative size " + size);
        }
        writeHeader(file, REGULAR, size, 0644);
        long left = size;
        while (left > 0) {
            int n = content.read(copyBuffer, 0, (int) Math.min(copyBuffer.length, left));
            if (n < 0) {
                throw new IOException("content of tar member '" + name + "' ended after " + (size - left) + " of "
                        + size + " bytes");
            }
            out.write(copyBuffer, 0, n);
            left -= n;
        }
        pad(size);
    }

    /** Writes the end-of-archive marker (two zero blocks) and flushes. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        out.write(new byte[2 * BLOCK]);
        out.flush();
    }

    /**
     * Writes a tar of everything below {@code dir} (not {@code dir} itself), names sorted at each level,
     * directories before what they hold. Nothing below {@code dir} is reached through a symbolic link: each
     * directory is opened relative to its parent's descriptor with {@code O_NOFOLLOW}, so a link swapped in
     * while the tree is read cannot lead out of it. A link or special file in the tree is an error.
     */
    public static void writeTree(Path dir, OutputStream out) throws IOException {
        try (DirectoryStream<Path> top = Files.newDirectoryStream(dir)) {
            if (!(top instanceof SecureDirectoryStream<Path> secure)) {
                throw new IOException("cannot read " + dir + " without following symbolic links on this platform");
            }
            TarWriter tar = new TarWriter(out);
            tar.writeDirectory(secure, "", 0);
            tar.close();
        }
    }

    private void writeDirectory(SecureDirectoryStream<Path> dir, String prefix, int depth) throws IOException {
        if (depth > MAX_TREE_DEPTH) {
            throw new IOException("directory " + prefix + " is nested more than " + MAX_TREE_DEPTH + " levels deep");
        }
        List<String> names = new ArrayList<>();
        for (Path child : dir) {
            names.add(child.getFileName().toString());
        }
        names.sort(null);
        for (String name : names) {
            Path relative = Path.of(name);
            String member = prefix + name;
            BasicFileAttributes attributes = dir.getFileAttributeView(relative, BasicFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).readAttributes();
            if (attributes.isDirectory()) {
                addDirectory(member);
                try (SecureDirectoryStream<Path> sub = dir.newDirectoryStream(relative, LinkOption.NOFOLLOW_LINKS)) {
                    writeDirectory(sub, member + "/", depth + 1);
                }
            } else if (attributes.isRegularFile()) {
                try (SeekableByteChannel file = dir.newByteChannel(relative,
                        Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
                    addFile(member, file.size(), Channels.newInputStream(file));
                }
            } else {
                throw new IOException(member + " is " + (attributes.isSymbolicLink() ? "a symbolic link" : "not a"
                        + " regular file or directory") + "; only files and directories are archived, and links"
                        + " are never followed");
            }
        }
    }

    private void writeHeader(String name, char type, long size, int mode) throws IOException {
        byte[] nameBytes = name.getBytes(UTF_8);
        boolean longName = nameBytes.length > NAME_FIELD || !isAscii(name);
        boolean largeFile = size > MAX_USTAR_SIZE;
        if (longName || largeFile) {
            ByteArrayOutputStream records = new ByteArrayOutputStream();
            if (longName) {
                records.write(paxRecord("path", name));
            }
            if (largeFile) {
                records.write(paxRecord("size", Long.toString(size)));
            }
            byte[] data = records.toByteArray();
            out.write(header(asciiName("PaxHeaders.0/" + baseName(name)), PAX, data.length, 0644));
            out.write(data);
            pad(data.length);
        }
        out.write(header(longName ? asciiName(name) : name, type, largeFile ? 0 : size, mode));
    }

    private static byte[] header(String name, char type, long size, int mode) {
        byte[] block = new byte[BLOCK];
        byte[] nameBytes = name.getBytes(UTF_8);
        System.arraycopy(nameBytes, 0, block, 0, Math.min(nameBytes.length, NAME_FIELD));
        octal(block, 100, 8, mode);
        octal(block, 108, 8, 0);
        octal(block, 116, 8, 0);
        octal(block, 124, 12, size);
        octal(block, 136, 12, 0);
        block[156] = (byte) type;
        System.arraycopy("ustar\0".getBytes(UTF_8), 0, block, 257, 6);
        block[263] = '0';
        block[264] = '0';
        octal(block, 329, 8, 0);
        octal(block, 337, 8, 0);
        Arrays.fill(block, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : block) {
            sum += b & 0xff;
        }
        byte[] checksum = String.format("%06o", sum).getBytes(UTF_8);
        System.arraycopy(checksum, 0, block, 148, 6);
        block[154] = 0;
        block[155] = ' ';
        return block;
    }

    /** Zero-padded octal digits filling the field but its last byte, which stays NUL. */
    private static void octal(byte[] block, int offset, int length, long value) {
        byte[] digits = String.format("%0" + (length - 1) + "o", value).getBytes(UTF_8);
        System.arraycopy(digits, 0, block, offset, length - 1);
    }

    /** {@code "<length> <key>=<value>\n"}, the length counting the whole record, its own digits included. */
    private static byte[] paxRecord(String key, String value) {
        byte[] body = (" " + key + "=" + value + "\n").getBytes(UTF_8);
        int length = body.length + Integer.toString(body.length).length();
        if (Integer.toString(length).length() != Integer.toString(body.length).length()) {
            length = body.length + Integer.toString(length).length();
        }
        byte[] prefix = Integer.toString(length).getBytes(UTF_8);
        byte[] record = Arrays.copyOf(prefix, length);
        System.arraycopy(body, 0, record, prefix.length, body.length);
        return record;
    }

    private void pad(long written) throws IOException {
        int padding = (int) ((BLOCK - written % BLOCK) % BLOCK);
        if (padding > 0) {
            out.write(new byte[padding]);
        }
    }

    /** What a reader without PAX support sees in place of the real name: ASCII, within the ustar field. */
    private static String asciiName(String name) {
        StringBuilder ascii = new StringBuilder();
        for (int i = 0; i < name.length() && ascii.length() < NAME_FIELD; i++) {
            char c = name.charAt(i);
            ascii.append(c >= 0x20 && c < 0x7f ? c : '_');
        }
        return ascii.toString();
    }

    private static String baseName(String name) {
        String trimmed = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        return trimmed.substring(trimmed.lastIndexOf('/') + 1);
    }

    private static boolean isAscii(String name) {
        return name.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
    }

    private static String checkedName(String name) {
        if (name == null || name.isEmpty() || name.equals("/")) {
            throw new IllegalArgumentException("tar member name is empty");
        }
        if (name.startsWith("/") || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("tar member name '" + name + "' is absolute or holds a NUL byte");
        }
        for (String component : name.split("/")) {
            if (component.equals("..")) {
                throw new IllegalArgumentException("tar member name '" + name + "' climbs out with '..'");
            }
        }
        return name;
    }
}

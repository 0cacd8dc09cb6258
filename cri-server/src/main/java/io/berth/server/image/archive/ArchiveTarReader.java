package io.berth.server.image.archive;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.berth.common.error.InvalidArgumentException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * A streaming reader of the tar dialects image archives come in: ustar, PAX ({@code x}; {@code g} is read
 * and ignored) and GNU long names ({@code L}, {@code K}), which docker, ctr, podman and GNU tar write.
 *
 * <p>Not the snapshotter's layer reader: a layer's entries are applied to a filesystem (modes, owners,
 * xattrs, devices), an archive's are only named blobs and documents; its names, sizes and header records
 * are bounded here by {@link ArchiveLimits}. Every byte of the stream (headers, content, padding and what
 * follows the end marker) counts toward {@link ArchiveLimits#maxArchiveBytes()}.
 */
final class ArchiveTarReader {
    private static final int BLOCK = 512;
    /** PAX and long-name records carry a name or two; a larger one is not a real archive's. */
    private static final int MAX_RECORD_BYTES = 64 * 1024;
    /** GNU tar pads an archive to 10 KiB; more than this after the end marker is not padding. */
    private static final int MAX_TRAILER_BYTES = 1 << 20;

    /** One member as its headers describe it; {@code name} and {@code linkName} are still untrusted. */
    record Entry(String name, char type, long size, String linkName) {
        boolean isRegular() {
            return type == '0' || type == '\0' || type == '7';
        }

        boolean isDirectory() {
            return type == '5';
        }

        boolean isSymlink() {
            return type == '2';
        }

        boolean isHardLink() {
            return type == '1';
        }
    }

    private final InputStream in;
    private final ArchiveLimits limits;
    private final byte[] block = new byte[BLOCK];
    private long offset;
    private long remaining;
    private long padding;

    ArchiveTarReader(InputStream in, ArchiveLimits limits) {
        this.in = in;
        this.limits = limits;
    }

    /** The next member, or null at the end of the archive; skips what is left of the previous one. */
    Entry next() throws IOException {
        skipRest();
        Map<String, String> pax = new HashMap<>();
        String longName = null;
        String longLink = null;
        while (true) {
            long at = offset;
            if (!readBlock()) {
                return null; // no end marker: accepted, as Go's archive/tar does
            }
            if (isZero(block)) {
                return null;
            }
            verifyChecksum(at);
            char type = (char) (block[156] & 0xff);
            long size = number(124, 12, "size", at);
            switch (type) {
                case 'x' -> pax.putAll(parsePax(readRecord(size, at), at));
                case 'g' -> readRecord(size, at);
                case 'L' -> longName = cString(readRecord(size, at), 0, (int) size);
                case 'K' -> longLink = cString(readRecord(size, at), 0, (int) size);
                default -> {
                    return entry(type, size, pax, longName, longLink, at);
                }
            }
        }
    }

    /** The current member's content; reading past its end gives end of stream. */
    InputStream content() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (remaining == 0) {
                    return -1;
                }
                int n = in.read(b, off, (int) Math.min(len, remaining));
                if (n < 0) {
                    throw new EOFException("the archive ends inside a member's content at offset " + offset);
                }
                count(n);
                remaining -= n;
                return n;
            }
        };
    }

    /**
     * After {@link #next()} returned null: reads what follows the end marker to the end of the stream, so that
     * a compressed archive's checksum is verified and a truncated one is noticed.
     */
    void finish() throws IOException {
        byte[] buffer = new byte[8192];
        long trailer = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
            trailer += n;
            count(n);
            if (trailer > MAX_TRAILER_BYTES) {
                throw new InvalidArgumentException("more than " + MAX_TRAILER_BYTES + " bytes follow the end of the"
                        + " tar archive; is it several archives joined together?");
            }
        }
    }

    private Entry entry(char type, long size, Map<String, String> pax, String longName, String longLink, long at) {
        String name = cString(block, 0, 100);
        boolean posixUstar = block[257] == 'u' && block[262] == 0; // "ustar\0"; GNU's "ustar  " has no prefix
        if (posixUstar && block[345] != 0) {
            name = cString(block, 345, 155) + "/" + name;
        }
        name = pax.getOrDefault("path", longName != null ? longName : name);
        String link = pax.getOrDefault("linkpath", longLink != null ? longLink : cString(block, 157, 100));
        if (pax.containsKey("size")) {
            try {
                size = Long.parseLong(pax.get("size"));
            } catch (NumberFormatException e) {
                throw new InvalidArgumentException("the tar header at offset " + at
                        + " has a PAX size that is not a number");
            }
        }
        if (size < 0) {
            throw new InvalidArgumentException("the tar header at offset " + at + " has a negative size");
        }
        checkLength(name, "name", at);
        checkLength(link, "link target", at);
        Entry entry = new Entry(name, type, size, link);
        // As in tar itself: links, directories, devices and fifos have no content whatever their size field says.
        boolean noContent = entry.isDirectory() || entry.isSymlink() || entry.isHardLink() || type == '3'
                || type == '4' || type == '6';
        remaining = noContent ? 0 : size;
        padding = noContent ? 0 : (BLOCK - size % BLOCK) % BLOCK;
        return entry;
    }

    private byte[] readRecord(long size, long at) throws IOException {
        if (size > MAX_RECORD_BYTES) {
            throw new InvalidArgumentException("the tar header record at offset " + at + " is " + size
                    + " bytes; at most " + MAX_RECORD_BYTES + " are accepted");
        }
        byte[] data = in.readNBytes((int) size);
        if (data.length != size) {
            throw new EOFException("the archive ends inside a header record at offset " + at);
        }
        count(size);
        remaining = 0;
        padding = (BLOCK - size % BLOCK) % BLOCK;
        skipRest();
        return data;
    }

    private void checkLength(String text, String what, long at) {
        if (text.length() > limits.maxNameBytes() / 3 && text.getBytes(UTF_8).length > limits.maxNameBytes()) {
            throw new InvalidArgumentException("the " + what + " of the tar member at offset " + at + " is longer"
                    + " than " + limits.maxNameBytes() + " bytes");
        }
    }

    /** PAX records: {@code "<len> <key>=<value>\n"}, where len counts the whole record. */
    private static Map<String, String> parsePax(byte[] data, long at) {
        Map<String, String> records = new HashMap<>();
        int pos = 0;
        while (pos < data.length) {
            int space = indexOf(data, (byte) ' ', pos);
            int length;
            try {
                length = space < 0 ? -1 : Integer.parseInt(new String(data, pos, space - pos, UTF_8));
            } catch (NumberFormatException e) {
                length = -1;
            }
            int end = pos + length;
            int equals = space < 0 ? -1 : indexOf(data, (byte) '=', space + 1);
            if (length <= 0 || end > data.length || data[end - 1] != '\n' || equals < 0 || equals >= end) {
                throw new InvalidArgumentException("malformed PAX record in the tar header at offset " + at);
            }
            records.put(new String(data, space + 1, equals - space - 1, UTF_8),
                    new String(data, equals + 1, end - 1 - equals - 1, UTF_8));
            pos = end;
        }
        return records;
    }

    private boolean readBlock() throws IOException {
        int n = in.readNBytes(block, 0, BLOCK);
        if (n == 0) {
            return false;
        }
        count(n);
        if (n != BLOCK) {
            throw new EOFException("the archive is truncated at offset " + offset);
        }
        return true;
    }

    private void skipRest() throws IOException {
        long skip = remaining + padding;
        byte[] buffer = new byte[8192];
        while (skip > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, skip));
            if (n < 0) {
                throw new EOFException("the archive ends inside a member at offset " + offset);
            }
            count(n);
            skip -= n;
        }
        remaining = 0;
        padding = 0;
    }

    private void count(long n) {
        offset += n;
        if (offset > limits.maxArchiveBytes()) {
            throw new InvalidArgumentException("the archive holds more than " + limits.maxArchiveBytes()
                    + " bytes (uncompressed); refusing it");
        }
    }

    private void verifyChecksum(long at) {
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            byte b = (i >= 148 && i < 156) ? (byte) ' ' : block[i];
            unsigned += b & 0xff;
            signed += b;
        }
        long recorded;
        try {
            recorded = number(148, 8, "checksum", at);
        } catch (InvalidArgumentException e) {
            recorded = -1;
        }
        if (recorded != unsigned && recorded != signed) {
            throw new InvalidArgumentException("not a tar archive, or a corrupt one: bad header checksum at offset " + at);
        }
    }

    /** A numeric field: octal text, or base-256 when the top bit of the first byte is set. */
    private long number(int off, int len, String field, long at) {
        if ((block[off] & 0x80) != 0) {
            if ((block[off] & 0x40) != 0) {
                throw new InvalidArgumentException("the tar header at offset " + at + " has a negative " + field);
            }
            long value = block[off] & 0x3f;
            for (int i = off + 1; i < off + len; i++) {
                if (value > (Long.MAX_VALUE >> 8)) {
                    throw new InvalidArgumentException("the tar header at offset " + at + " has a " + field + " too large");
                }
                value = (value << 8) | (block[i] & 0xff);
            }
            return value;
        }
        long value = 0;
        int i = off;
        while (i < off + len && (block[i] == ' ' || block[i] == 0)) {
            i++;
        }
        for (; i < off + len && block[i] != 0 && block[i] != ' '; i++) {
            if (block[i] < '0' || block[i] > '7' || value > (Long.MAX_VALUE >> 3)) {
                throw new InvalidArgumentException("the tar header at offset " + at + " has a " + field
                        + " that is not an octal number");
            }
            value = (value << 3) | (block[i] - '0');
        }
        return value;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, UTF_8);
    }

    private static int indexOf(byte[] b, byte what, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == what) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}

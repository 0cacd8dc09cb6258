package io.berth.snapshotter.apply;

import io.berth.common.error.InvalidArgumentException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A strict, streaming reader of the tar dialects image layers use: ustar, PAX ({@code x} and {@code g}
 * records) and GNU long names ({@code L}, {@code K}).
 *
 * <p>Written here rather than taken from commons-compress because that decodes PAX values as UTF-8,
 * which corrupts binary xattr values such as {@code security.capability}; and because a layer is hostile,
 * so every size that decides an allocation is bounded here.
 */
final class TarReader {
    private static final int BLOCK = 512;
    /**
     * PAX and GNU long-name records are metadata: a few KiB in practice; anything huge is an attack. This
     * bounds what is held at once: the records of one entry, merged, plus the global ones in force. Not a
     * setting, since no real entry comes near it (an xattr value is at most 64 KiB).
     */
    static final long MAX_META_SIZE = 1 << 20;
    private static final String XATTR_PREFIX = "SCHILY.xattr.";

    private final InputStream in;
    private final LayerLimits limits;
    private final byte[] block = new byte[BLOCK];
    private final Map<String, byte[]> globalPax = new HashMap<>();
    /** Bytes of the global records kept: they stay in force, and in memory, for the rest of the layer. */
    private long globalBytes;
    /** Bytes of every metadata record so far, for {@link LayerLimits#maxPaxBytes}. */
    private long metaTotal;
    private long offset;
    /** Bytes of the current entry's content not yet read, and the padding after them. */
    private long remaining;
    private long padding;

    TarReader(InputStream in, LayerLimits limits) {
        this.in = in;
        this.limits = limits;
    }

    /** The next entry, or null at the end of the archive. Skips whatever is left of the previous one. */
    TarHeader next() throws IOException {
        skipRest();
        Map<String, byte[]> pax = new HashMap<>(globalPax);
        String longName = null;
        String longLink = null;
        long held = globalBytes;
        while (true) {
            long headerOffset = offset;
            if (!readBlock(true)) {
                return null; // no end-of-archive blocks: accepted, as Go's archive/tar does
            }
            if (isZero(block)) {
                return null;
            }
            verifyChecksum(headerOffset);
            char type = (char) (block[156] & 0xff);
            long size = number(124, 12, "size", headerOffset);
            if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
                // Consecutive records merge into one entry's header: bound them together, not one by one.
                byte[] data = readMeta(size, type, held, headerOffset);
                held += data.length;
                switch (type) {
                    case 'x' -> pax.putAll(parsePax(data, headerOffset));
                    case 'g' -> {
                        Map<String, byte[]> global = parsePax(data, headerOffset);
                        globalPax.putAll(global);
                        globalBytes += data.length;
                        pax.putAll(global);
                    }
                    case 'L' -> longName = cString(data, 0, data.length);
                    default -> longLink = cString(data, 0, data.length);
                }
                continue;
            }
            if (type == 'S' || pax.containsKey("GNU.sparse.map") || pax.containsKey("GNU.sparse.major")) {
                throw new InvalidArgumentException("layer tar entry at offset " + headerOffset
                        + " is a sparse file, which image layers do not use; refusing it");
            }
            return header(type, size, pax, longName, longLink, headerOffset);
        }
    }

    /** The current entry's content; reading past it returns end of stream. */
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
                    throw new EOFException("layer tar ends inside an entry's content at offset " + offset);
                }
                remaining -= n;
                offset += n;
                return n;
            }
        };
    }

    private TarHeader header(char type, long size, Map<String, byte[]> pax, String longName, String longLink,
            long at) throws IOException {
        String name = cString(block, 0, 100);
        boolean posixUstar = block[257] == 'u' && block[262] == 0; // "ustar\0"; GNU's "ustar  " has no prefix
        if (posixUstar && block[345] != 0) {
            name = cString(block, 345, 155) + "/" + name;
        }
        name = longName != null ? longName : name;
        String link = longLink != null ? longLink : cString(block, 157, 100);
        long uid = number(108, 8, "uid", at);
        long gid = number(116, 8, "gid", at);
        Instant mtime = Instant.ofEpochSecond(number(136, 12, "mtime", at));
        Map<String, byte[]> xattrs = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : pax.entrySet()) {
            String key = e.getKey();
            String value = new String(e.getValue(), StandardCharsets.UTF_8);
            switch (key) {
                case "path" -> name = value;
                case "linkpath" -> link = value;
                case "size" -> size = paxLong(key, value, at);
                case "uid" -> uid = paxLong(key, value, at);
                case "gid" -> gid = paxLong(key, value, at);
                case "mtime" -> mtime = paxTime(value, at);
                default -> {
                    if (key.startsWith(XATTR_PREFIX)) {
                        xattrs.put(key.substring(XATTR_PREFIX.length()), e.getValue());
                    }
                }
            }
        }
        if (size < 0) {
            throw new InvalidArgumentException("layer tar entry '" + name + "' has negative size " + size);
        }
        checkPathLength(name, "path", at);
        checkPathLength(link, "link target", at);
        boolean hasContent = type != '1' && type != '2' && type != '3' && type != '4' && type != '5' && type != '6';
        remaining = hasContent ? size : 0;
        padding = hasContent ? (BLOCK - size % BLOCK) % BLOCK : 0;
        return new TarHeader(name, type, size, (int) (number(100, 8, "mode", at) & 07777), uid, gid, mtime, link,
                number(329, 8, "devmajor", at), number(337, 8, "devminor", at), xattrs);
    }

    private byte[] readMeta(long size, char type, long held, long at) throws IOException {
        if (size < 0 || size > MAX_META_SIZE - held) {
            throw new InvalidArgumentException("layer tar header record '" + type + "' at offset " + at + " is "
                    + size + " bytes, after " + held + " bytes of PAX and long-name records for the same entry"
                    + " (global ones included); at most " + MAX_META_SIZE + " bytes accepted per entry");
        }
        // Checked before reading, so that a record over the bound is never held.
        if (size > limits.maxPaxBytes() - metaTotal) {
            throw new LayerLimitException(LayerLimits.PAX_BYTES, limits.maxPaxBytes(), "its PAX and long-name"
                    + " records reach " + (metaTotal + size) + " bytes at the record at offset " + at);
        }
        metaTotal += size;
        byte[] data = in.readNBytes((int) size);
        if (data.length != size) {
            throw new EOFException("layer tar ends inside a header record at offset " + at);
        }
        offset += size;
        remaining = 0;
        padding = (BLOCK - size % BLOCK) % BLOCK;
        skipRest();
        return data;
    }

    private void checkPathLength(String path, String what, long at) {
        // Bytes, not chars: the kernel's PATH_MAX counts bytes. Most paths are ASCII, one byte per char.
        if (path.length() > limits.maxPathBytes() / 3
                && path.getBytes(StandardCharsets.UTF_8).length > limits.maxPathBytes()) {
            throw new LayerLimitException(LayerLimits.PATH_BYTES, limits.maxPathBytes(), "the " + what
                    + " of the entry at offset " + at + " is longer than that ("
                    + path.getBytes(StandardCharsets.UTF_8).length + " bytes)");
        }
    }

    /** PAX records: {@code "<len> <key>=<value>\n"}, where len counts the whole record; values are bytes. */
    private static Map<String, byte[]> parsePax(byte[] data, long at) {
        Map<String, byte[]> records = new HashMap<>();
        int pos = 0;
        while (pos < data.length) {
            int space = indexOf(data, (byte) ' ', pos);
            int len;
            try {
                len = space < 0 ? -1 : Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                len = -1;
            }
            int end = pos + len;
            if (len <= 0 || end > data.length || data[end - 1] != '\n') {
                throw new InvalidArgumentException("malformed PAX record in layer tar header at offset " + at);
            }
            int equals = indexOf(data, (byte) '=', space + 1);
            if (equals < 0 || equals >= end) {
                throw new InvalidArgumentException("malformed PAX record in layer tar header at offset " + at);
            }
            String key = new String(data, space + 1, equals - space - 1, StandardCharsets.UTF_8);
            records.put(key, Arrays.copyOfRange(data, equals + 1, end - 1));
            pos = end;
        }
        return records;
    }

    private boolean readBlock(boolean atHeader) throws IOException {
        int n = in.readNBytes(block, 0, BLOCK);
        if (n == 0 && atHeader) {
            return false;
        }
        if (n != BLOCK) {
            throw new EOFException("layer tar is truncated at offset " + (offset + n));
        }
        offset += BLOCK;
        return true;
    }

    private void skipRest() throws IOException {
        long skip = remaining + padding;
        while (skip > 0) {
            long n = in.skip(skip);
            if (n <= 0) {
                if (in.read() < 0) {
                    throw new EOFException("layer tar ends inside an entry at offset " + offset);
                }
                n = 1;
            }
            skip -= n;
            offset += n;
        }
        remaining = 0;
        padding = 0;
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
            throw new InvalidArgumentException("layer is not a valid tar: bad header checksum at offset " + at);
        }
    }

    /** A numeric header field: octal text, or base-256 when the top bit of the first byte is set. */
    private long number(int off, int len, String field, long at) {
        if ((block[off] & 0x80) != 0) {
            if ((block[off] & 0x40) != 0 || len > 12) {
                throw new InvalidArgumentException("layer tar header at offset " + at + ": negative " + field);
            }
            long value = block[off] & 0x3f;
            for (int i = off + 1; i < off + len; i++) {
                if (value > (Long.MAX_VALUE >> 8)) {
                    throw new InvalidArgumentException("layer tar header at offset " + at + ": " + field + " too large");
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
            if (block[i] < '0' || block[i] > '7') {
                throw new InvalidArgumentException("layer tar header at offset " + at + ": " + field
                        + " is not an octal number");
            }
            value = (value << 3) | (block[i] - '0');
        }
        return value;
    }

    private static long paxLong(String key, String value, long at) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new InvalidArgumentException("layer tar PAX record at offset " + at + ": " + key
                    + " is not a number");
        }
    }

    private static Instant paxTime(String value, long at) {
        try {
            BigDecimal seconds = new BigDecimal(value);
            long whole = seconds.setScale(0, java.math.RoundingMode.FLOOR).longValueExact();
            long nanos = seconds.subtract(BigDecimal.valueOf(whole)).movePointRight(9).longValue();
            return Instant.ofEpochSecond(whole, nanos);
        } catch (ArithmeticException | NumberFormatException | java.time.DateTimeException e) {
            throw new InvalidArgumentException("layer tar PAX record at offset " + at + ": mtime '" + value
                    + "' is not a time");
        }
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
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

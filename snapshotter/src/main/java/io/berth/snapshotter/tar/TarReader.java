package io.berth.snapshotter.tar;

import static io.berth.snapshotter.tar.TarFields.BLOCK;
import static io.berth.snapshotter.tar.TarFields.cString;
import static io.berth.snapshotter.tar.TarFields.number;

import io.berth.common.error.InvalidArgumentException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * A strict, streaming reader of the tar dialects images come in: ustar, PAX ({@code x} and {@code g}
 * records) and GNU long names ({@code L}, {@code K}), as docker, buildkit, Go's archive/tar, podman and GNU
 * tar write them. One reader for image layers, whose entries are applied to a filesystem, and for image
 * archives (docker save, OCI layouts), whose members are blobs and documents.
 *
 * <p>Written here rather than taken from commons-compress because that decodes PAX values as UTF-8,
 * which corrupts binary xattr values such as {@code security.capability}; and because a tar is hostile,
 * so every size that decides an allocation, and every byte read, is bounded by {@link TarLimits}. Sparse
 * files are refused: no image writer makes them, and their maps would be one more thing to bound.
 */
public final class TarReader {
    private static final String XATTR_PREFIX = "SCHILY.xattr.";
    private static final String SPARSE_PREFIX = "GNU.sparse.";

    private final InputStream in;
    private final TarLimits limits;
    private final byte[] block = new byte[BLOCK];
    private final byte[] skipBuffer = new byte[8192];
    private final Map<String, byte[]> globalPax = new HashMap<>();
    /** Bytes of the global records kept: they stay in force, and in memory, for the rest of the stream. */
    private long globalBytes;
    /** Bytes of every PAX and long-name record so far, for {@link TarLimits#maxMetaBytes()}. */
    private long metaTotal;
    /** Bytes read from the stream so far, for {@link TarLimits#maxTarBytes()}. */
    private long offset;
    /** Bytes of the current entry's content not yet read, and the padding after them. */
    private long remaining;
    private long padding;
    private boolean ended;

    public TarReader(InputStream in, TarLimits limits) {
        this.in = in;
        this.limits = limits;
    }

    /** The next entry, or null at the end of the archive. Skips whatever is left of the previous one. */
    public TarHeader next() throws IOException {
        if (ended) {
            return null;
        }
        skipRest();
        Map<String, byte[]> pax = new HashMap<>(globalPax);
        String longName = null;
        String longLink = null;
        long held = globalBytes;
        while (true) {
            long at = offset;
            if (!readBlock() || TarFields.isZero(block)) {
                ended = true; // a missing end marker is accepted, as Go's archive/tar does
                return null;
            }
            TarFields.verifyChecksum(block, at);
            char type = (char) (block[156] & 0xff);
            long size = number(block, 124, 12, "size", at);
            if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
                // Consecutive records merge into one entry's header: bound them together, not one by one.
                byte[] data = readMeta(size, type, held, at);
                held += data.length;
                switch (type) {
                    case 'x' -> pax.putAll(TarFields.parsePax(data, at));
                    case 'g' -> {
                        Map<String, byte[]> global = TarFields.parsePax(data, at);
                        globalPax.putAll(global);
                        globalBytes += data.length;
                        pax.putAll(global);
                    }
                    case 'L' -> longName = cString(data, 0, data.length);
                    default -> longLink = cString(data, 0, data.length);
                }
                continue;
            }
            if (type == 'S' || pax.keySet().stream().anyMatch(key -> key.startsWith(SPARSE_PREFIX))) {
                throw new InvalidArgumentException("tar entry at offset " + at + " is a sparse file, which image"
                        + " layers and archives never hold; refusing it");
            }
            return header(type, size, pax, longName, longLink, at);
        }
    }

    /** The current entry's content; reading past it returns end of stream. */
    public InputStream content() {
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
                    throw new EOFException("the tar ends inside an entry's content at offset " + offset);
                }
                count(n);
                remaining -= n;
                return n;
            }
        };
    }

    /**
     * After {@link #next()} returned null: reads what follows the end marker to the end of the stream, within
     * {@link TarLimits#maxTrailerBytes()}, so that a checksum over the whole stream (a diffID, gzip's CRC) is
     * complete and a truncated stream is noticed.
     */
    public void finish() throws IOException {
        if (!ended) {
            throw new IllegalStateException("finish() before the end of the tar archive");
        }
        long trailer = 0;
        for (int n; (n = in.read(skipBuffer)) >= 0; ) {
            count(n);
            trailer += n;
            if (trailer > limits.maxTrailerBytes()) {
                throw new TarLimitException(TarLimits.Bound.TRAILER_BYTES, limits.maxTrailerBytes(), "more than "
                        + limits.maxTrailerBytes() + " bytes follow the end of the tar archive; is it several"
                        + " archives joined together?");
            }
        }
    }

    private TarHeader header(char type, long size, Map<String, byte[]> pax, String longName, String longLink,
            long at) {
        String name = cString(block, 0, 100);
        boolean posixUstar = block[257] == 'u' && block[262] == 0; // "ustar\0"; GNU's "ustar  " has no prefix
        if (posixUstar && block[345] != 0) {
            name = cString(block, 345, 155) + "/" + name;
        }
        name = longName != null ? longName : name;
        String link = longLink != null ? longLink : cString(block, 157, 100);
        long uid = number(block, 108, 8, "uid", at);
        long gid = number(block, 116, 8, "gid", at);
        Instant mtime = TarFields.time(number(block, 136, 12, "mtime", at), at);
        Map<String, byte[]> xattrs = new HashMap<>();
        for (Map.Entry<String, byte[]> e : pax.entrySet()) {
            String key = e.getKey();
            String value = new String(e.getValue(), StandardCharsets.UTF_8);
            switch (key) {
                case "path" -> name = value;
                case "linkpath" -> link = value;
                case "size" -> size = TarFields.paxLong(key, value, at);
                case "uid" -> uid = TarFields.paxLong(key, value, at);
                case "gid" -> gid = TarFields.paxLong(key, value, at);
                case "mtime" -> mtime = TarFields.paxTime(value, at);
                default -> {
                    if (key.startsWith(XATTR_PREFIX)) {
                        xattrs.put(key.substring(XATTR_PREFIX.length()), e.getValue());
                    }
                }
            }
        }
        if (size < 0) {
            throw new InvalidArgumentException("tar entry at offset " + at + " has a negative size, " + size);
        }
        checkNameLength(name, "path", at);
        checkNameLength(link, "link target", at);
        TarHeader header = new TarHeader(name, type, size, (int) (number(block, 100, 8, "mode", at) & 07777), uid,
                gid, mtime, link, number(block, 329, 8, "devmajor", at), number(block, 337, 8, "devminor", at),
                xattrs);
        remaining = header.hasContent() ? size : 0;
        padding = header.hasContent() ? padding(size) : 0;
        return header;
    }

    private byte[] readMeta(long size, char type, long held, long at) throws IOException {
        // Both checked before reading, so that a record over a bound is never held.
        if (size > limits.maxEntryMetaBytes() - held) {
            throw new TarLimitException(TarLimits.Bound.ENTRY_META_BYTES, limits.maxEntryMetaBytes(), "tar header"
                    + " record '" + type + "' at offset " + at + " is " + size + " bytes, after " + held + " bytes"
                    + " of PAX and long-name records for the same entry (global ones included); at most "
                    + limits.maxEntryMetaBytes() + " bytes accepted per entry");
        }
        if (size > limits.maxMetaBytes() - metaTotal) {
            throw new TarLimitException(TarLimits.Bound.META_BYTES, limits.maxMetaBytes(), "the tar's PAX and"
                    + " long-name records reach " + (metaTotal + size) + " bytes at the record at offset " + at
                    + ", more than the " + limits.maxMetaBytes() + " accepted");
        }
        metaTotal += size;
        byte[] data = in.readNBytes((int) size);
        count(data.length);
        if (data.length != size) {
            throw new EOFException("the tar ends inside a header record at offset " + at);
        }
        remaining = 0;
        padding = padding(size);
        skipRest();
        return data;
    }

    private void checkNameLength(String path, String what, long at) {
        // Bytes, not chars: the kernel's PATH_MAX counts bytes. No char takes more than three bytes in UTF-8.
        if (path.length() > limits.maxNameBytes() / 3) {
            int bytes = path.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > limits.maxNameBytes()) {
                throw new TarLimitException(TarLimits.Bound.NAME_BYTES, limits.maxNameBytes(), "the " + what
                        + " of the tar entry at offset " + at + " is longer than " + limits.maxNameBytes()
                        + " bytes (" + bytes + ")");
            }
        }
    }

    private boolean readBlock() throws IOException {
        int n = in.readNBytes(block, 0, BLOCK);
        if (n == 0) {
            return false;
        }
        count(n);
        if (n != BLOCK) {
            throw new EOFException("the tar is truncated at offset " + offset);
        }
        return true;
    }

    /** Reads rather than skips, so that whatever counts or hashes the stream below sees every byte. */
    private void skipRest() throws IOException {
        long skip = remaining + padding;
        while (skip > 0) {
            int n = in.read(skipBuffer, 0, (int) Math.min(skipBuffer.length, skip));
            if (n < 0) {
                throw new EOFException("the tar ends inside an entry at offset " + offset);
            }
            count(n);
            skip -= n;
        }
        remaining = 0;
        padding = 0;
    }

    private void count(long n) {
        offset += n;
        if (offset > limits.maxTarBytes()) {
            throw new TarLimitException(TarLimits.Bound.TAR_BYTES, limits.maxTarBytes(), "the tar holds more than "
                    + limits.maxTarBytes() + " bytes (uncompressed)");
        }
    }

    private static long padding(long size) {
        return (BLOCK - size % BLOCK) % BLOCK;
    }
}

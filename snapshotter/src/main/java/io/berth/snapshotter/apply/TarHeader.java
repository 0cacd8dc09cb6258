package io.berth.snapshotter.apply;

import java.time.Instant;
import java.util.Map;

/**
 * One entry of a layer tar as the archive describes it, long names, PAX overrides and xattrs already
 * folded in. Nothing here is trusted: {@link LayerExtractor} checks every field before using it.
 *
 * @param xattrs from PAX {@code SCHILY.xattr.<name>} records, values as raw bytes (capabilities are binary)
 */
record TarHeader(String name, char type, long size, int mode, long uid, long gid, Instant mtime,
        String linkName, long devMajor, long devMinor, Map<String, byte[]> xattrs) {
    static final char REGULAR = '0';
    static final char OLD_REGULAR = '\0';
    static final char CONTIGUOUS = '7';
    static final char HARDLINK = '1';
    static final char SYMLINK = '2';
    static final char CHAR_DEVICE = '3';
    static final char BLOCK_DEVICE = '4';
    static final char DIRECTORY = '5';
    static final char FIFO = '6';

    boolean isRegular() {
        return type == REGULAR || type == CONTIGUOUS || (type == OLD_REGULAR && !name.endsWith("/"));
    }

    boolean isDirectory() {
        return type == DIRECTORY || (type == OLD_REGULAR && name.endsWith("/"));
    }
}

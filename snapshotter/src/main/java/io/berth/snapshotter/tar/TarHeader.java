package io.berth.snapshotter.tar;

import java.time.Instant;
import java.util.Map;

/**
 * One entry of a tar as its headers describe it, long names, PAX overrides and xattrs already folded in.
 * Nothing here is trusted: the caller checks every field it uses (a name may climb out with {@code ..},
 * an owner may be out of range, a link may point anywhere).
 *
 * @param xattrs from PAX {@code SCHILY.xattr.<name>} records, values as raw bytes (capabilities are binary)
 */
public record TarHeader(String name, char type, long size, int mode, long uid, long gid, Instant mtime,
        String linkName, long devMajor, long devMinor, Map<String, byte[]> xattrs) {
    public static final char REGULAR = '0';
    /** Pre-POSIX tar: a regular file, or a directory when the name ends in '/'. */
    public static final char OLD_REGULAR = '\0';
    public static final char CONTIGUOUS = '7';
    public static final char HARDLINK = '1';
    public static final char SYMLINK = '2';
    public static final char CHAR_DEVICE = '3';
    public static final char BLOCK_DEVICE = '4';
    public static final char DIRECTORY = '5';
    public static final char FIFO = '6';

    public TarHeader {
        xattrs = Map.copyOf(xattrs);
    }

    public boolean isRegular() {
        return type == REGULAR || type == CONTIGUOUS || (type == OLD_REGULAR && !name.endsWith("/"));
    }

    public boolean isDirectory() {
        return type == DIRECTORY || (type == OLD_REGULAR && name.endsWith("/"));
    }

    public boolean isSymlink() {
        return type == SYMLINK;
    }

    public boolean isHardLink() {
        return type == HARDLINK;
    }

    /** As in tar itself: links, directories, devices and fifos have no content whatever their size says. */
    boolean hasContent() {
        return type != HARDLINK && type != SYMLINK && type != CHAR_DEVICE && type != BLOCK_DEVICE
                && type != DIRECTORY && type != FIFO;
    }
}

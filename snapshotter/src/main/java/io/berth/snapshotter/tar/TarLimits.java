package io.berth.snapshotter.tar;

/**
 * Bounds on one tar stream read by {@link TarReader}, so that a small hostile input cannot make berthd read
 * or hold without limit. Each caller builds them from its own settings (image layers from their
 * {@code LayerLimits}, image archives from their {@code ArchiveLimits}); a stream beyond one fails with a
 * {@link TarLimitException} naming the {@link Bound}, which the caller may turn into its own error.
 *
 * @param maxTarBytes       bytes of the stream as a whole: headers, records, content, padding, and what
 *                          follows the end marker once {@link TarReader#finish()} reads it
 * @param maxTrailerBytes   bytes after the end marker
 * @param maxEntryMetaBytes bytes of PAX ({@code x}, {@code g}) and GNU long-name ({@code L}, {@code K})
 *                          records held at once: one entry's, merged, plus the global ones in force
 * @param maxMetaBytes      bytes of every PAX and long-name record in the stream
 * @param maxNameBytes      bytes (UTF-8) of an entry's path or link target
 */
public record TarLimits(long maxTarBytes, long maxTrailerBytes, int maxEntryMetaBytes, long maxMetaBytes,
        int maxNameBytes) {

    /** Which bound a stream passed. */
    public enum Bound {
        TAR_BYTES, TRAILER_BYTES, ENTRY_META_BYTES, META_BYTES, NAME_BYTES
    }

    public TarLimits {
        if (maxTarBytes < 1 || maxTrailerBytes < 1 || maxEntryMetaBytes < 1 || maxMetaBytes < 1 || maxNameBytes < 1) {
            throw new IllegalArgumentException("tar limits must be positive: " + maxTarBytes + ", " + maxTrailerBytes
                    + ", " + maxEntryMetaBytes + ", " + maxMetaBytes + ", " + maxNameBytes);
        }
    }
}

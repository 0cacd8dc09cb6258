package io.berth.snapshotter.apply;

import io.berth.common.error.InvalidArgumentException;
import io.berth.snapshotter.tar.TarLimitException;
import io.berth.snapshotter.tar.TarLimits;

/**
 * Bounds on one layer, so that a small hostile blob cannot make berthd hold or write without limit: a
 * gzip or zstd stream expands a thousandfold, and every entry costs bookkeeping until the layer is done.
 * Each bound is named after the {@code [image]} config key that sets it, and a layer beyond one fails with
 * {@link LayerLimitException} naming that key.
 *
 * @param maxEntries           tar entries plus the parent directories they imply without entries of their own
 * @param maxUncompressedBytes bytes of the uncompressed tar, headers and padding included
 * @param maxPaxBytes          bytes of all PAX ({@code x}, {@code g}) and GNU long-name ({@code L}, {@code K})
 *                             records in the layer
 * @param maxPathBytes         bytes (UTF-8) of an entry's path or link target
 */
public record LayerLimits(long maxEntries, long maxUncompressedBytes, long maxPaxBytes, int maxPathBytes) {
    public static final String ENTRIES = "layer_max_entries";
    public static final String UNCOMPRESSED_BYTES = "layer_max_uncompressed_bytes";
    public static final String PAX_BYTES = "layer_max_pax_bytes";
    public static final String PATH_BYTES = "layer_max_path_bytes";

    /** Far above real layers (the largest seen hold a few hundred thousand files), yet a bounded heap. */
    public static final long DEFAULT_MAX_ENTRIES = 1_000_000;
    /** Model weights baked into an image make layers of tens of GiB; beyond this is a decompression bomb. */
    public static final long DEFAULT_MAX_UNCOMPRESSED_BYTES = 64L << 30;
    /** Builders write PAX records only for long or non-ASCII names and xattrs: a few hundred bytes at most per entry. */
    public static final long DEFAULT_MAX_PAX_BYTES = 256L << 20;
    /** Linux's PATH_MAX: a longer path cannot be opened inside the container anyway. */
    public static final int DEFAULT_MAX_PATH_BYTES = 4096;

    public static final LayerLimits DEFAULTS = new LayerLimits(DEFAULT_MAX_ENTRIES, DEFAULT_MAX_UNCOMPRESSED_BYTES,
            DEFAULT_MAX_PAX_BYTES, DEFAULT_MAX_PATH_BYTES);

    /**
     * PAX and GNU long-name records are metadata: a few KiB in practice; anything huge is an attack. This
     * bounds what is held at once: the records of one entry, merged, plus the global ones in force. Not a
     * setting, since no real entry comes near it (an xattr value is at most 64 KiB).
     */
    static final int MAX_ENTRY_META_BYTES = 1 << 20;

    public LayerLimits {
        if (maxEntries < 1 || maxUncompressedBytes < 1 || maxPaxBytes < 1 || maxPathBytes < 1) {
            throw new IllegalArgumentException("layer limits must be positive: " + maxEntries + ", "
                    + maxUncompressedBytes + ", " + maxPaxBytes + ", " + maxPathBytes);
        }
    }

    /**
     * The tar reader's bounds for a layer. What follows the end marker is bounded only with the rest of the
     * tar: it is part of the layer's diffID, and a build tool may pad as it likes.
     */
    TarLimits tarLimits() {
        return new TarLimits(maxUncompressedBytes, maxUncompressedBytes, MAX_ENTRY_META_BYTES, maxPaxBytes,
                maxPathBytes);
    }

    /** The reader's refusal as the layer's: naming the config key to raise where the bound is a setting. */
    static InvalidArgumentException exceeded(TarLimitException e) {
        String key = switch (e.bound()) {
            case TAR_BYTES -> UNCOMPRESSED_BYTES;
            case META_BYTES -> PAX_BYTES;
            case NAME_BYTES -> PATH_BYTES;
            case ENTRY_META_BYTES, TRAILER_BYTES -> null;
        };
        return key == null ? e : new LayerLimitException(key, e.limit(), e.getMessage(), e);
    }
}

package io.berth.server.image.archive;

import io.berth.snapshotter.tar.TarLimits;

/**
 * Bounds on what one image archive may make berthd read, hold or write, so that a small hostile file (a
 * gzip bomb, a tar of a million names, a manifest.json of a billion tags) fails early with a clear error
 * instead of filling the heap or the disk. Layers inside are further bound by the snapshotter's
 * {@code LayerLimits}, exactly as for pulls.
 *
 * @param maxEntries       tar members (files, directories and links) in one archive
 * @param maxImages        images one archive may name: entries of index.json or manifest.json
 * @param maxLayers        layers of one image
 * @param maxDocumentBytes index.json, manifest.json, oci-layout, each manifest, index and config: the pull
 *                         side's bound on manifests and configs
 * @param maxNameBytes     bytes (UTF-8) of a member's path or link target
 * @param maxArchiveBytes  bytes of the (uncompressed) tar stream as a whole
 */
public record ArchiveLimits(int maxEntries, int maxImages, int maxLayers, long maxDocumentBytes, int maxNameBytes,
        long maxArchiveBytes) {
    /** A docker save of fifty images of twenty layers holds about five thousand members. */
    public static final int DEFAULT_MAX_ENTRIES = 50_000;
    public static final int DEFAULT_MAX_IMAGES = 1_000;
    /** Docker refuses to build past 125 layers; overlay's mount options cap a stack not far above. */
    public static final int DEFAULT_MAX_LAYERS = 500;
    /** Member names of real archives are at most {@code blobs/sha512/<128 hex>}, 141 bytes. */
    public static final int DEFAULT_MAX_NAME_BYTES = 1024;
    /** Four of the largest layers a pull accepts (64 GiB each, uncompressed). */
    public static final long DEFAULT_MAX_ARCHIVE_BYTES = 256L << 30;

    /** PAX and long-name records carry a name or two; more for one member is not a real archive's. */
    static final int MAX_MEMBER_META_BYTES = 64 * 1024;
    /** GNU tar pads an archive to 10 KiB; more than this after the end marker is not padding. */
    static final long MAX_TRAILER_BYTES = 1 << 20;

    public ArchiveLimits {
        if (maxEntries < 1 || maxImages < 1 || maxLayers < 1 || maxDocumentBytes < 1 || maxNameBytes < 1
                || maxArchiveBytes < 1) {
            throw new IllegalArgumentException("archive limits must be positive");
        }
        if (maxDocumentBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("documents are read whole; " + maxDocumentBytes + " bytes is too large");
        }
    }

    /** The defaults, with documents bounded as the pull side bounds manifests and configs. */
    public static ArchiveLimits defaults(long maxDocumentBytes) {
        return new ArchiveLimits(DEFAULT_MAX_ENTRIES, DEFAULT_MAX_IMAGES, DEFAULT_MAX_LAYERS, maxDocumentBytes,
                DEFAULT_MAX_NAME_BYTES, DEFAULT_MAX_ARCHIVE_BYTES);
    }

    /** The tar reader's bounds: header records are bounded per member, and in total only with the archive. */
    TarLimits tarLimits() {
        return new TarLimits(maxArchiveBytes, MAX_TRAILER_BYTES, MAX_MEMBER_META_BYTES, maxArchiveBytes, maxNameBytes);
    }
}

package io.berth.server.image.archive;

import io.berth.server.image.content.ContentStore;
import io.berth.server.image.pull.LayerUnpacker;
import io.berth.server.image.reclaim.ImageReclaimer;
import io.berth.server.image.registry.Platform;
import io.berth.server.image.store.ImageStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.logging.Logger;

/**
 * Image import and export for nodes without a registry, what {@code ctr images import/export},
 * {@code docker load/save} and {@code podman load/save} do. An imported image is the image a pull of the
 * same image gives: same id, same tags, repo digests where the archive keeps the manifest, same snapshots,
 * and it runs containers the same way. Built once by the image system; the admin service calls it.
 *
 * <p>Import reads a docker save archive or an OCI image layout, as a tar (plain or gzip-compressed) or as a
 * layout directory. Everything in it is hostile: blobs are verified against their digests before they are
 * committed, layers go through the pull's unpacker and limits, and a bad archive fails with
 * INVALID_ARGUMENT naming the bad member and leaves no image, tag, blob or snapshot behind. Export writes an
 * OCI image layout tar, which this import, ctr, docker 25+ and podman read.
 */
public final class ImageArchives {
    private static final Logger LOG = Logger.getLogger(ImageArchives.class.getName());

    private final ArchiveImporter importer;
    private final ImageExporter exporter;

    private ImageArchives(ArchiveImporter importer, ImageExporter exporter) {
        this.importer = importer;
        this.exporter = exporter;
    }

    /**
     * @param staging where members of a tar that are not named by digest wait until the archive's manifest
     *                says what they are; it must be on a disk (a layer can be large), and what an interrupted
     *                import left there is deleted here
     */
    public static ImageArchives open(ImageStore images, ContentStore content, LayerUnpacker unpacker,
            ImageReclaimer reclaimer, Platform platform, ArchiveLimits limits, Path staging, Clock clock)
            throws IOException {
        Files.createDirectories(staging);
        try (var leftovers = Files.list(staging)) {
            for (Path leftover : leftovers.toList()) {
                LOG.info("removing " + leftover + ", left by an interrupted image import");
                Files.deleteIfExists(leftover);
            }
        }
        return new ImageArchives(new ArchiveImporter(images, content, unpacker, reclaimer, platform, limits, staging,
                clock), new ImageExporter(images, content, reclaimer, limits.maxDocumentBytes()));
    }

    /**
     * Imports every image of {@code source} (for an index with several platforms, this node's), all or
     * nothing, and returns them with the names the archive gave them.
     */
    public List<ImportedImage> importArchive(Path source) {
        return importer.importArchive(source);
    }

    /**
     * Writes the image {@code reference} names (a tag, a digest reference or an id, as RemoveImage takes
     * them) to {@code out} as an OCI image layout tar. {@code out} is left open.
     */
    public void exportImage(String reference, OutputStream out) {
        exporter.export(reference, out);
    }
}

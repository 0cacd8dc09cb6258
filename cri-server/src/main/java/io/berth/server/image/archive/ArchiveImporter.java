package io.berth.server.image.archive;

import io.berth.common.error.BerthException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.NotFoundException;
import io.berth.server.image.content.ContentStore;
import io.berth.server.image.pull.LayerUnpacker;
import io.berth.server.image.pull.PullErrors;
import io.berth.server.image.reclaim.ImageReclaimer;
import io.berth.server.image.reference.ImageReference;
import io.berth.server.image.registry.Descriptor;
import io.berth.server.image.registry.Platform;
import io.berth.server.image.store.ChainIds;
import io.berth.server.image.store.ImageMetadata;
import io.berth.server.image.store.ImageStore;
import io.berth.server.image.store.StoredImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Imports the images of an archive in the order a pull does its work, so that a failure leaves what a
 * failed pull leaves: nothing. Every blob is verified into the content store under a lease, every layer
 * unpacked through the pull's {@link LayerUnpacker} (same hostile-layer checks, same limits, same chain
 * snapshots, so an imported image shares snapshots with a pulled one), and only then are the image records
 * written. On failure the blobs and snapshots this import brought that nothing else needs are deleted
 * again, as a failed pull's are; a crash in the middle leaves what the start-up reclaim removes, as for a
 * pull. On success the archive's blobs that no image kept (other platforms' layers, a docker save's layers
 * of an image already stored with other blobs) are deleted the same way.
 */
final class ArchiveImporter {
    private static final Logger LOG = Logger.getLogger(ArchiveImporter.class.getName());

    private final ImageStore images;
    private final ContentStore content;
    private final LayerUnpacker unpacker;
    private final ImageReclaimer reclaimer;
    private final Platform platform;
    private final ArchiveLimits limits;
    private final Path staging;
    private final Clock clock;

    ArchiveImporter(ImageStore images, ContentStore content, LayerUnpacker unpacker, ImageReclaimer reclaimer,
            Platform platform, ArchiveLimits limits, Path staging, Clock clock) {
        this.images = images;
        this.content = content;
        this.unpacker = unpacker;
        this.reclaimer = reclaimer;
        this.platform = platform;
        this.limits = limits;
        this.staging = staging;
        this.clock = clock;
    }

    List<ImportedImage> importArchive(Path source) {
        long start = System.nanoTime();
        LOG.info("importing images from " + source);
        ImageReclaimer.Lease lease = reclaimer.lease();
        LeasedIngest ingest = new LeasedIngest(content, lease);
        List<String> built = new ArrayList<>();
        try {
            List<ImportedImage> imported;
            try (ArchiveMembers members = open(source, ingest)) {
                List<ArchiveImage> found = read(members, ingest);
                checkTags(found);
                for (ArchiveImage image : found) {
                    unpack(image, lease, built);
                }
                imported = record(found);
            }
            lease.close();
            reclaimUnused(ingest.held());
            LOG.info("imported " + imported + " from " + source + " in " + (System.nanoTime() - start) / 1_000_000
                    + " ms");
            return imported;
        } catch (RuntimeException | Error e) {
            lease.close();
            try {
                reclaimer.reclaim(ingest.held(), built);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            LOG.warning("import of " + source + " failed: " + e.getMessage());
            if (e instanceof BerthException berth) {
                throw PullErrors.withContext("image archive " + source, berth);
            }
            throw e;
        } finally {
            lease.close();
        }
    }

    /** The import has succeeded; blobs of the archive no image kept are garbage, not a failure. */
    private void reclaimUnused(List<String> blobs) {
        try {
            reclaimer.reclaim(blobs, List.of());
        } catch (RuntimeException e) {
            LOG.warning("cannot delete the archive's unused blobs now; they go at the next start: " + e.getMessage());
        }
    }

    private ArchiveMembers open(Path source, LeasedIngest ingest) {
        if (Files.isDirectory(source)) {
            return DirectoryMembers.open(source, ingest);
        }
        if (!Files.exists(source)) {
            throw new NotFoundException("it does not exist");
        }
        if (!Files.isRegularFile(source)) {
            throw new InvalidArgumentException("it is neither a file nor a directory");
        }
        return TarMembers.read(source, staging, ingest, limits);
    }

    private List<ArchiveImage> read(ArchiveMembers members, LeasedIngest ingest) {
        // docker 25+ writes both; the OCI layout is the richer: it keeps the manifests, so the repo digests.
        if (members.contains(OciLayoutReader.INDEX)) {
            return new OciLayoutReader(members, ingest, limits, platform).read();
        }
        if (members.contains(DockerArchiveReader.MANIFEST)) {
            return new DockerArchiveReader(members, ingest, limits).read();
        }
        throw new InvalidArgumentException("it holds neither index.json (an OCI image layout) nor manifest.json"
                + " (docker save); it is not an image archive");
    }

    /** One tag names one image: an archive that gives a tag to two is ambiguous, and refused before any change. */
    private static void checkTags(List<ArchiveImage> found) {
        Map<String, String> holder = new HashMap<>();
        for (ArchiveImage image : found) {
            for (ImageReference tag : image.tags()) {
                String previous = holder.putIfAbsent(tag.toString(), image.id());
                if (previous != null && !previous.equals(image.id())) {
                    throw new InvalidArgumentException("it gives tag " + tag + " to two images, " + previous + " and "
                            + image.id());
                }
            }
        }
    }

    private void unpack(ArchiveImage image, ImageReclaimer.Lease lease, List<String> built) {
        List<Descriptor> layers = image.manifest().layers();
        List<String> diffIds = image.config().diffIds();
        List<String> chain = ChainIds.of(diffIds);
        for (int i = 0; i < layers.size(); i++) {
            Descriptor layer = layers.get(i);
            try {
                if (unpacker.unpack(layer, diffIds.get(i), chain.get(i), i == 0 ? null : chain.get(i - 1), lease)) {
                    built.add(chain.get(i));
                }
            } catch (BerthException e) {
                throw PullErrors.withContext(image.what() + " layer " + (i + 1) + "/" + layers.size() + " ("
                        + layer.digest() + ")", e);
            }
        }
    }

    /**
     * Writes the records, last. An image already stored keeps its record; when its layer blobs are other than
     * the archive's (pulled compressed, saved uncompressed), it only gains the archive's tags, since the
     * archive's manifests name blobs that are not kept.
     */
    private List<ImportedImage> record(List<ArchiveImage> found) {
        unpacker.syncLayers();
        String now = clock.instant().toString();
        Map<String, ImportedImage> byId = new LinkedHashMap<>();
        for (ArchiveImage image : found) {
            List<String> layerDigests = image.manifest().layers().stream().map(l -> l.digest().toString()).toList();
            Optional<StoredImage> existing = images.byId(image.id());
            boolean sameBlobs = existing.isEmpty() || existing.get().metadata().layerDigests().equals(layerDigests);
            if (!sameBlobs) {
                LOG.info("image " + image.id() + " is stored already with other layer blobs; the archive adds its"
                        + " tags only");
            }
            List<String> repoDigests = sameBlobs ? image.repoDigests() : List.of();
            images.record(new ImageMetadata(image.id(), layerDigests, image.size(), image.config(), now), image.tags(),
                    repoDigests, sameBlobs ? image.manifests() : List.of());
            ImportedImage previous = byId.get(image.id());
            LinkedHashSet<String> tags = new LinkedHashSet<>(previous == null ? List.of() : previous.repoTags());
            image.tags().forEach(tag -> tags.add(tag.toString()));
            LinkedHashSet<String> digests = new LinkedHashSet<>(previous == null ? List.of() : previous.repoDigests());
            digests.addAll(repoDigests);
            byId.put(image.id(), new ImportedImage(image.id(), List.copyOf(tags), List.copyOf(digests)));
        }
        return List.copyOf(byId.values());
    }
}

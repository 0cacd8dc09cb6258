package io.berth.server.image.pull;

import com.google.protobuf.ByteString;
import io.berth.common.error.BerthException;
import io.berth.common.error.FailedPreconditionException;
import io.berth.server.failpoint.FailPoint;
import io.berth.server.image.content.ContentStore;
import io.berth.server.image.content.Digest;
import io.berth.server.image.reclaim.ImageReclaimer;
import io.berth.server.image.reference.ImageReference;
import io.berth.server.image.registry.Descriptor;
import io.berth.server.image.registry.ImageManifest;
import io.berth.server.image.registry.LayerDownloader;
import io.berth.server.image.registry.Platform;
import io.berth.server.image.registry.RegistryClient;
import io.berth.server.image.registry.RegistryCredentials;
import io.berth.server.image.registry.ResolvedImage;
import io.berth.server.image.store.ChainIds;
import io.berth.server.image.store.ImageConfig;
import io.berth.server.image.store.ImageConfigParser;
import io.berth.server.image.store.ImageMetadata;
import io.berth.server.image.store.ImageStore;
import io.berth.server.image.store.StoredImage;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Logger;

/**
 * Pulls an image: resolve the reference, store manifest and config, download the layers in parallel and
 * unpack each into its chain snapshot, then record the image. Where the snapshotter builds layers apart
 * (overlay), each layer is unpacked into a snapshot of its own on its download's thread, in parallel, and
 * committed onto its parent in chain order; elsewhere each is unpacked onto its parent once that is in.
 * The record is written last, so a failed pull leaves no image; what the pull built or downloaded and no
 * other image or pull needs is deleted again, so it leaves no snapshot or blob either.
 */
public final class ImagePuller {
    private static final Logger LOG = Logger.getLogger(ImagePuller.class.getName());

    private final RegistryClient registry;
    private final ContentStore content;
    private final ImageStore images;
    private final ImageReclaimer reclaimer;
    private final LayerUnpacker unpacker;
    private final LayerDownloader downloader;
    private final Platform platform;
    private final long maxConfigBytes;
    private final Clock clock;
    private final PullObserver observer;

    public ImagePuller(RegistryClient registry, ContentStore content, ImageStore images, LayerUnpacker unpacker,
            ImageReclaimer reclaimer, LayerDownloader downloader, Platform platform, long maxConfigBytes, Clock clock,
            PullObserver observer) {
        this.registry = registry;
        this.content = content;
        this.images = images;
        this.reclaimer = reclaimer;
        this.unpacker = unpacker;
        this.downloader = downloader;
        this.platform = platform;
        this.maxConfigBytes = maxConfigBytes;
        this.clock = clock;
        this.observer = observer;
    }

    /** Pulls {@code reference} (any Docker-style form) and returns the image as stored. */
    public StoredImage pull(String reference, RegistryCredentials credentials) {
        ImageReference ref = ImageReference.parse(reference);
        long start = System.nanoTime();
        LOG.info("pulling " + ref + " (" + credentials + ")");
        List<String> blobs = new CopyOnWriteArrayList<>();
        List<String> built = new CopyOnWriteArrayList<>();
        ImageReclaimer.Lease lease = reclaimer.lease();
        DownloadedBytes downloaded = new DownloadedBytes();
        ApartSnapshots apart = new ApartSnapshots(unpacker::discard);
        try {
            StoredImage image = pullLeased(ref, credentials, lease, blobs, built, downloaded, apart);
            observer.pulled(downloaded.total(), Duration.ofNanos(System.nanoTime() - start));
            LOG.info("pulled " + ref + " as " + image.id() + " (" + image.metadata().size() + " bytes, "
                    + image.chainIds().size() + " layers) in " + (System.nanoTime() - start) / 1_000_000 + " ms");
            return image;
        } catch (RuntimeException | Error e) {
            observer.failed(downloaded.total());
            try {
                apart.discardAll();
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            lease.close();
            try {
                reclaimer.reclaim(blobs, built);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            // The RPC edge logs the failure, once; a line here too would say it twice.
            throw e;
        } finally {
            lease.close();
            observer.ended(ref.toString(), blobs);
        }
    }

    private StoredImage pullLeased(ImageReference ref, RegistryCredentials credentials, ImageReclaimer.Lease lease,
            List<String> blobs, List<String> built, DownloadedBytes downloaded, ApartSnapshots apart) {
        ResolvedImage resolved = registry.resolve(ref, credentials, platform);
        downloaded.add(resolved.manifestBytes().size() + resolved.index().map(i -> i.bytes().size()).orElse(0));
        ImageManifest manifest = resolved.manifest();
        LOG.info("resolved " + ref + " to manifest " + resolved.manifestDigest() + " on " + resolved.registryHost()
                + ": " + manifest.layers().size() + " layers");
        List<String> manifests = new ArrayList<>();
        resolved.index().ifPresent(index -> {
            storeDocument(index.digest(), index.bytes(), lease, blobs);
            manifests.add(index.digest().toString());
        });
        storeDocument(resolved.manifestDigest(), resolved.manifestBytes(), lease, blobs);
        manifests.add(resolved.manifestDigest().toString());

        Descriptor configBlob = manifest.config();
        hold(configBlob.digest(), lease, blobs);
        registry.fetchBlob(ref, credentials, configBlob, content, downloaded);
        ImageConfig config = ImageConfigParser.parse(content.readAll(configBlob.digest(), maxConfigBytes), ref.toString());
        List<Descriptor> layers = manifest.layers();
        if (config.diffIds().size() != layers.size()) {
            throw new FailedPreconditionException("image " + ref + " is inconsistent: its manifest lists "
                    + layers.size() + " layers but its config names " + config.diffIds().size() + " diff_ids");
        }
        List<String> chain = ChainIds.of(config.diffIds());
        layers.forEach(layer -> hold(layer.digest(), lease, blobs));

        boolean parallel = unpacker.unpacksApart();
        LayerProgressLog progressLog = new LayerProgressLog();
        downloader.download(layers, (i, blob, progress) -> {
                    if (!parallel) {
                        return registry.fetchBlob(ref, credentials, blob, content, progress);
                    }
                    // On this download's thread, while other layers download and unpack: one pass per layer.
                    try {
                        return unpacker.fetchUnpackingApart(i, blob, config.diffIds().get(i), chain.get(i), apart,
                                reader -> {
                                    try {
                                        return registry.fetchBlob(ref, credentials, blob, content, progress, reader);
                                    } catch (BerthException e) {
                                        throw new DownloadFailed(e);
                                    }
                                });
                    } catch (DownloadFailed e) {
                        throw e.failure; // as the download said it: it names the blob and the registry
                    } catch (BerthException e) {
                        throw PullErrors.withContext(layerName(ref, i, layers), e);
                    }
                },
                (blob, received) -> {
                    downloaded.onBytes(blob, received);
                    observer.layerBytes(ref.toString(), blob.digest().toString(), received);
                    if (received == blob.size()) {
                        LOG.info(ref + ": downloaded layer " + blob.digest() + " (" + received + " bytes)");
                    } else if (progressLog.crossed(blob.digest().toString(), received, blob.size())) {
                        LOG.fine(() -> ref + ": layer " + blob.digest() + ": " + received + " of " + blob.size()
                                + " bytes");
                    }
                },
                (i, layer, stored) -> {
                    long unpackStart = System.nanoTime();
                    String where = layerName(ref, i, layers);
                    String parent = i == 0 ? null : chain.get(i - 1);
                    try {
                        boolean fresh = parallel
                                ? unpacker.commitApart(i, layer, config.diffIds().get(i), chain.get(i), parent, lease,
                                        apart)
                                : unpacker.unpack(layer, config.diffIds().get(i), chain.get(i), parent, lease);
                        if (fresh) {
                            built.add(chain.get(i));
                        }
                        LOG.info(where + ": " + (fresh ? (parallel ? "committed" : "unpacked") + " in "
                                + (System.nanoTime() - unpackStart) / 1_000_000 + " ms" : "already present") + ", "
                                + layer.size() + " bytes");
                    } catch (BerthException e) {
                        throw PullErrors.withContext(where, e);
                    }
                });

        long size = configBlob.size() + resolved.manifestBytes().size()
                + layers.stream().mapToLong(Descriptor::size).sum();
        ImageMetadata metadata = new ImageMetadata(configBlob.digest().toString(),
                layers.stream().map(l -> l.digest().toString()).toList(), size, config, clock.instant().toString());
        unpacker.syncLayers();
        FailPoint.PULL_IMAGE_BEFORE_RECORD.reach();
        return images.recordPull(metadata, ref, resolved.digest(), manifests);
    }

    private static String layerName(ImageReference ref, int i, List<Descriptor> layers) {
        return "image " + ref + " layer " + (i + 1) + "/" + layers.size() + " (" + layers.get(i).digest() + ")";
    }

    private void storeDocument(Digest digest, ByteString bytes, ImageReclaimer.Lease lease, List<String> blobs) {
        hold(digest, lease, blobs);
        content.ingest(digest, bytes.size(), bytes::writeTo);
    }

    private static void hold(Digest digest, ImageReclaimer.Lease lease, List<String> blobs) {
        lease.blob(digest);
        blobs.add(digest.toString());
    }

    /** Carries a download's own failure past the handler that puts the layer's name on unpack failures. */
    private static final class DownloadFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final BerthException failure;

        DownloadFailed(BerthException failure) {
            super(failure.getMessage(), failure, false, false);
            this.failure = failure;
        }
    }
}

package io.berth.server.image;

import io.berth.linux.ErrnoException;
import io.berth.linux.MountTable;
import io.berth.linux.Mounts;
import io.berth.server.config.BerthConfig;
import io.berth.server.config.ImageSettings;
import io.berth.server.image.archive.ArchiveLimits;
import io.berth.server.image.archive.ImageArchives;
import io.berth.server.image.content.ContentStore;
import io.berth.server.image.hosts.HostsConfig;
import io.berth.server.image.pull.ImagePuller;
import io.berth.server.image.pull.LayerUnpacker;
import io.berth.server.image.pull.PullObserver;
import io.berth.server.image.reclaim.ImageReclaimer;
import io.berth.server.image.reclaim.ImageRemover;
import io.berth.server.image.reclaim.ImageUsers;
import io.berth.server.image.registry.LayerDownloader;
import io.berth.server.image.registry.MinimumRate;
import io.berth.server.image.registry.Platform;
import io.berth.server.image.registry.RegistryClient;
import io.berth.server.image.registry.RegistrySettings;
import io.berth.server.image.store.ImageStore;
import io.berth.snapshotter.Snapshotter;
import io.berth.snapshotter.Snapshotters;
import io.berth.snapshotter.apply.LayerApplier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.logging.Logger;

/**
 * The image side of berthd, built once: content store, snapshotter, image records, puller, archive import
 * and export, remover and the usage meter. The container side takes {@link #store()} to look images up and
 * {@link #snapshotter()} to prepare container roots on an image's {@code topSnapshotKey()}.
 *
 * <pre>
 *   &lt;root&gt;/content/     blobs by digest, ingest
 *   &lt;root&gt;/snapshots/   the snapshotter's root (what ImageFsInfo reports)
 *   &lt;root&gt;/images/      one record per image id
 *   &lt;root&gt;/import-staging/ members of an image archive being imported, until its manifest says what they are
 *   &lt;state&gt;/layer-apply/ scratch mount points while a layer is applied
 * </pre>
 */
public final class ImageSystem implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ImageSystem.class.getName());
    /**
     * Blobs up to this size (manifests, indexes, configs) are re-hashed at every start: a few per image, cheap.
     * Layers are not; a damaged one is found by its size when a pull needs it.
     */
    private static final long SMALL_BLOB_BYTES = 1024 * 1024;

    private final ContentStore content;
    private final Snapshotter snapshotter;
    private final ImageStore store;
    private final ImagePuller puller;
    private final ImageArchives archives;
    private final ImageRemover remover;
    private final FilesystemUsageMeter usage;
    private final Path snapshotRoot;

    private ImageSystem(ContentStore content, Snapshotter snapshotter, ImageStore store, ImagePuller puller,
            ImageArchives archives, ImageRemover remover, FilesystemUsageMeter usage, Path snapshotRoot) {
        this.content = content;
        this.snapshotter = snapshotter;
        this.store = store;
        this.puller = puller;
        this.archives = archives;
        this.remover = remover;
        this.usage = usage;
        this.snapshotRoot = snapshotRoot;
    }

    /**
     * Opens every store under the configured roots and cleans what an interrupted pull or import left: ingest
     * files, staging dirs, mounts of a layer being applied, active pull snapshots, and layers and blobs no image
     * record needs.
     */
    public static ImageSystem open(BerthConfig config, ImageUsers users, Clock clock) throws IOException {
        return open(config, users, clock, PullObserver.NONE);
    }

    /** As {@link #open(BerthConfig, ImageUsers, Clock)}, telling {@code pulls} how each pull ended. */
    public static ImageSystem open(BerthConfig config, ImageUsers users, Clock clock, PullObserver pulls)
            throws IOException {
        ImageSettings settings = config.image();
        Path snapshotRoot = config.root().resolve("snapshots");
        Path scratch = config.state().resolve("layer-apply");
        clearScratch(scratch);
        ContentStore content = ContentStore.open(config.root());
        Snapshotter snapshotter = Snapshotters.open(driverFor(settings.snapshotter(), snapshotRoot), snapshotRoot);
        LOG.info("images: " + snapshotter.driver() + " snapshots in " + snapshotRoot + ", registry hosts from "
                + settings.registryConfigDir().resolve("certs.d"));
        ImageStore store = new ImageStore(config.root().resolve("images"), clock);
        // Damage found behind berth's back: what cannot be used is dropped before the sweep below, which then
        // clears what the dropped parts alone needed. A pull fetches and unpacks it all again.
        content.removeDamaged(SMALL_BLOB_BYTES);
        IncompleteImages.drop(store, snapshotter);
        ImageReclaimer reclaimer = new ImageReclaimer(store, content, snapshotter);
        reclaimer.reclaimAll();
        RegistrySettings registrySettings = RegistrySettings.defaults().withStallTimeout(settings.stallTimeout())
                .withMinimumRate(new MinimumRate(settings.minDownloadRate(), MinimumRate.DEFAULT_WINDOW));
        RegistryClient registry = new RegistryClient(new HostsConfig(settings.registryConfigDir()), registrySettings);
        // One unpacker for pulls and imports: its per-layer locks make them build a shared layer once.
        LayerUnpacker unpacker = new LayerUnpacker(snapshotter, new LayerApplier(scratch, settings.layerLimits()),
                content, reclaimer);
        ImagePuller puller = new ImagePuller(registry, content, store, unpacker, reclaimer,
                new LayerDownloader(settings.maxConcurrentDownloads(), settings.maxDownloadsPerDaemon()),
                Platform.host(), registrySettings.maxManifestBytes(), clock, pulls);
        ImageArchives archives = ImageArchives.open(store, content, unpacker, reclaimer, Platform.host(),
                ArchiveLimits.defaults(registrySettings.maxManifestBytes()), config.root().resolve("import-staging"),
                clock);
        return new ImageSystem(content, snapshotter, store, puller, archives, new ImageRemover(store, reclaimer, users),
                new FilesystemUsageMeter(snapshotRoot, clock), snapshotRoot);
    }

    /** {@code auto} keeps whatever driver already owns the root, so a restart never flips the choice. */
    private static Snapshotters.Driver driverFor(String configured, Path snapshotRoot) throws IOException {
        Snapshotters.Driver driver = Snapshotters.Driver.parse(configured);
        Path owner = snapshotRoot.resolve("driver");
        if (driver == Snapshotters.Driver.AUTO && Files.exists(owner)) {
            return Snapshotters.Driver.parse(Files.readString(owner, StandardCharsets.UTF_8).trim());
        }
        return driver;
    }

    /** A crash while a layer was applied can leave its overlay mounted on a scratch dir; detach and drop it. */
    private static void clearScratch(Path scratch) throws IOException {
        Files.createDirectories(scratch);
        for (Path mounted : MountTable.mountPointsUnder(scratch)) {
            try {
                Mounts.unmount(mounted, Mounts.MNT_DETACH);
            } catch (ErrnoException e) {
                throw new IOException("cannot unmount " + mounted + ", left by an interrupted pull: " + e.getMessage(), e);
            }
        }
        try (var leftovers = Files.list(scratch)) {
            for (Path leftover : leftovers.toList()) {
                Files.deleteIfExists(leftover);
            }
        }
    }

    public ImageStore store() {
        return store;
    }

    public Snapshotter snapshotter() {
        return snapshotter;
    }

    public ContentStore content() {
        return content;
    }

    public ImagePuller puller() {
        return puller;
    }

    /** Import and export of image archives, for nodes that cannot reach a registry. */
    public ImageArchives archives() {
        return archives;
    }

    public ImageRemover remover() {
        return remover;
    }

    public FilesystemUsageMeter usage() {
        return usage;
    }

    /** The snapshotter's root, the image filesystem's mountpoint as ImageFsInfo reports it. */
    public Path snapshotRoot() {
        return snapshotRoot;
    }

    @Override
    public void close() {
        snapshotter.close();
    }
}

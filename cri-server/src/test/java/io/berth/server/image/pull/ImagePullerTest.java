package io.berth.server.image.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.NotFoundException;
import io.berth.server.config.BerthConfig;
import io.berth.server.config.ConfigLoader;
import io.berth.server.config.ImageSettings;
import io.berth.server.image.ImageSystem;
import io.berth.server.image.reclaim.ImageRemover;
import io.berth.server.image.reclaim.ImageUsers;
import io.berth.server.image.registry.FakeRegistry;
import io.berth.server.image.registry.RegistryCredentials;
import io.berth.server.image.store.StoredImage;
import io.berth.snapshotter.Kind;
import io.berth.snapshotter.MountedView;
import io.berth.snapshotter.SnapshotInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The puller, remover and reclaimer through {@link ImageSystem} on a native snapshotter and a fake registry. */
class ImagePullerTest {
    @TempDir
    Path dir;
    FakeRegistry registry;
    ImageSystem images;
    String host;
    /** What the pull observer was told: downloaded bytes of each finished pull, and of each failed one. */
    final List<Long> pulledBytes = new java.util.concurrent.CopyOnWriteArrayList<>();
    final List<Long> failedBytes = new java.util.concurrent.CopyOnWriteArrayList<>();

    private static final TestLayer.Built BASE = new TestLayer().file("etc/os-release", "base").build();
    private static final TestLayer.Built APP = new TestLayer().file("app/run", "app").build();
    private static final TestLayer.Built TOOL = new TestLayer().file("tool/run", "tool").build();

    @BeforeEach
    void start() throws Exception {
        registry = new FakeRegistry();
        host = registry.authority();
        images = open();
    }

    private ImageSystem open() throws Exception {
        return open("native");
    }

    /** On overlay, layers are unpacked apart from their parents, in parallel, and committed in chain order. */
    private ImageSystem openOverlay() throws Exception {
        images.close();
        // A root belongs to one snapshotter: start from an empty one.
        for (String d : List.of("root", "state")) {
            try (var paths = Files.walk(dir.resolve(d))) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return open("overlayfs");
    }

    private ImageSystem open(String snapshotter) throws Exception {
        BerthConfig config = ConfigLoader.defaults()
                .withPaths(dir.resolve("root"), dir.resolve("state"), dir.resolve("berth.sock"))
                .withImage(new ImageSettings(snapshotter, 2, Duration.ofSeconds(5), dir.resolve("etc")));
        return ImageSystem.open(config, ImageUsers.NONE, Clock.systemUTC(),
                PullObserver.of((bytes, took) -> pulledBytes.add(bytes), failedBytes::add));
    }

    @AfterEach
    void stop() {
        images.close();
        registry.close();
    }

    private StoredImage pull(String repositoryAndTag) {
        return images.puller().pull(host + "/" + repositoryAndTag, RegistryCredentials.ANONYMOUS);
    }

    private List<SnapshotInfo> snapshots() {
        return images.snapshotter().list();
    }

    private void assertNoPartialState() throws Exception {
        assertThat(images.store().list()).isEmpty();
        assertThat(snapshots()).isEmpty();
        assertThat(images.content().list()).isEmpty();
        try (var ingest = Files.list(dir.resolve("root/content/ingest"))) {
            assertThat(ingest).isEmpty();
        }
    }

    @Test
    void pullsLayersIntoChainSnapshotsAndRecordsTheImage() throws Exception {
        String id = TestRegistryImages.serve(registry, "app", "v1", "1000:1000", List.of(BASE, APP));

        StoredImage image = pull("app:v1");

        assertThat(image.id()).isEqualTo(id);
        assertThat(image.repoTags()).containsExactly(host + "/app:v1");
        assertThat(image.config().user()).isEqualTo("1000:1000");
        assertThat(image.metadata().size()).isGreaterThan(BASE.blob().length + APP.blob().length);
        assertThat(snapshots()).extracting(SnapshotInfo::name).containsExactlyElementsOf(image.chainIds());
        assertThat(snapshots()).allMatch(s -> s.kind() == Kind.COMMITTED);
        Path top = Path.of(images.snapshotter().mounts(image.topSnapshotKey()).get(0).source());
        assertThat(top.resolve("etc/os-release")).hasContent("base");
        assertThat(top.resolve("app/run")).hasContent("app");
    }

    @Test
    void imagesSharingBaseLayersShareSnapshotsAndRemovalKeepsWhatTheOtherNeeds() throws Exception {
        TestRegistryImages.serve(registry, "app", "v1", "", List.of(BASE, APP));
        TestRegistryImages.serve(registry, "tool", "v1", "", List.of(BASE, TOOL));
        StoredImage app = pull("app:v1");
        StoredImage tool = pull("tool:v1");
        assertThat(snapshots()).hasSize(3);
        assertThat(app.chainIds().get(0)).isEqualTo(tool.chainIds().get(0));

        assertThat(images.remover().remove(host + "/app:v1")).isEqualTo(ImageRemover.Outcome.REMOVED);

        assertThat(snapshots()).extracting(SnapshotInfo::name).containsExactlyElementsOf(tool.chainIds());
        assertThat(images.content().list()).extracting(b -> b.digest().toString())
                .containsExactlyInAnyOrderElementsOf(tool.blobs());
        assertThat(images.remover().remove(tool.id())).isEqualTo(ImageRemover.Outcome.REMOVED);
        assertThat(images.remover().remove(tool.id())).isEqualTo(ImageRemover.Outcome.NOT_FOUND);
        assertNoPartialState();
    }

    @Test
    void removingOneOfSeveralTagsOnlyUntags() {
        TestRegistryImages.serve(registry, "app", "v1", "", List.of(BASE));
        TestRegistryImages.serve(registry, "app", "latest", "", List.of(BASE));
        pull("app:v1");
        StoredImage both = pull("app");

        assertThat(images.remover().remove(host + "/app:v1")).isEqualTo(ImageRemover.Outcome.UNTAGGED);
        assertThat(images.store().byId(both.id()).orElseThrow().repoTags()).containsExactly(host + "/app:latest");
        assertThat(snapshots()).hasSize(1);
    }

    @Test
    void aLayerThatIsNotTheOneTheConfigNamesFailsThePullAndLeavesNothing() throws Exception {
        TestRegistryImages.serve(registry, "liar", "v1", "", List.of(BASE, APP), List.of(BASE.diffId(), TOOL.diffId()));

        assertThatThrownBy(() -> pull("liar:v1"))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("image " + host + "/liar:v1 layer 2/2")
                .hasMessageContaining("diffID");
        assertNoPartialState();
    }

    @Test
    void aWrongDiffIdOnTheThirdOfFiveLayersFailsThePullAndLeavesNothing() throws Exception {
        assertWrongThirdDiffIdLeavesNothing();
    }

    @Test
    void onOverlayAWrongDiffIdOnTheThirdLayerWhileOthersUnpackLeavesNothing() throws Exception {
        images = openOverlay();
        assertWrongThirdDiffIdLeavesNothing();
    }

    @Test
    void onOverlayLayersUnpackedApartShowTheSameImageAsLayersAppliedOntoTheirParents() throws Exception {
        images = openOverlay();
        TestLayer.Built base = new TestLayer().dir("usr/lib", 0750).file("usr/lib/a", "a").symlink("lib", "usr/lib")
                .file("etc/gone", "x").build();
        // Through base's symlink: needs the layer below, so it is applied onto it.
        TestLayer.Built viaLink = new TestLayer().file("lib/b", "b").build();
        // A whiteout: applied onto the layer below too.
        TestLayer.Built whiteout = new TestLayer().file("etc/.wh.gone", "").build();
        // Plain additions into a dir of a lower layer, whose owner and mode it keeps.
        TestLayer.Built adds = new TestLayer().file("usr/lib/c", "c").build();
        TestRegistryImages.serve(registry, "mixed", "v1", "", List.of(base, viaLink, whiteout, adds));

        StoredImage image = pull("mixed:v1");

        assertThat(snapshots()).extracting(SnapshotInfo::name).containsExactlyElementsOf(image.chainIds());
        assertThat(snapshots()).allMatch(s -> s.kind() == Kind.COMMITTED);
        Path view = dir.resolve("view");
        Files.createDirectories(view);
        try (MountedView mounted = MountedView.mount(images.snapshotter().mounts(image.topSnapshotKey()), view)) {
            assertThat(view.resolve("usr/lib/a")).hasContent("a");
            assertThat(view.resolve("usr/lib/b")).hasContent("b");
            assertThat(view.resolve("usr/lib/c")).hasContent("c");
            assertThat(Files.isSymbolicLink(view.resolve("lib"))).isTrue();
            assertThat(view.resolve("etc/gone")).doesNotExist();
            assertThat(Files.getPosixFilePermissions(view.resolve("usr/lib")))
                    .isEqualTo(PosixFilePermissions.fromString("rwxr-x---"));
        }
    }

    private void assertWrongThirdDiffIdLeavesNothing() throws Exception {
        List<TestLayer.Built> layers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            TestLayer layer = new TestLayer();
            for (int f = 0; f < 200; f++) {
                layer.file("layer" + i + "/dir" + f % 10 + "/file" + f, "content of " + i + "/" + f);
            }
            layers.add(layer.build());
        }
        List<String> diffIds = new ArrayList<>(layers.stream().map(TestLayer.Built::diffId).toList());
        diffIds.set(2, TOOL.diffId());
        TestRegistryImages.serve(registry, "third", "v1", "", layers, diffIds);

        assertThatThrownBy(() -> pull("third:v1"))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("image " + host + "/third:v1 layer 3/5")
                .hasMessageContaining("diffID");
        assertNoPartialState();
    }

    @Test
    void anUnsafeLayerFailsThePullNamingTheEntryAndNothingLandsOutside() throws Exception {
        Path outside = dir.resolve("outside");
        // A relative link that climbs out of the root; absolute ones are followed inside the root, harmlessly.
        TestLayer.Built plant = new TestLayer().symlink("escape", "../".repeat(30) + outside.toString().substring(1))
                .build();
        TestLayer.Built write = new TestLayer().file("escape/pwned", "x").build();
        TestRegistryImages.serve(registry, "evil", "v1", "", List.of(BASE, plant, write));

        assertThatThrownBy(() -> pull("evil:v1"))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("layer 3/3")
                .hasMessageContaining("escape/pwned");
        assertThat(outside).doesNotExist();
        assertNoPartialState();
    }

    @Test
    void aMissingBlobFailsThePullAndLeavesNothing() throws Exception {
        TestRegistryImages.serve(registry, "gone", "v1", "", List.of(BASE, APP));
        registry.route(TestRegistryImages.blobPath("gone", APP.blob()),
                exchange -> FakeRegistry.sendError(exchange, 404, "BLOB_UNKNOWN", "no such blob"));

        assertThatThrownBy(() -> pull("gone:v1")).isInstanceOf(NotFoundException.class)
                .hasMessageContaining(host);
        assertNoPartialState();
    }

    @Test
    void theObserverIsToldTheBytesEachPullDownloadedAndEachFailure() {
        TestRegistryImages.serve(registry, "app", "v1", "", List.of(BASE, APP));
        StoredImage image = pull("app:v1");
        pull("app:v1");
        assertThat(pulledBytes).hasSize(2);
        assertThat(pulledBytes.get(0)).as("manifest, config and layers all came over the network")
                .isEqualTo(image.metadata().size());
        assertThat(pulledBytes.get(1)).as("the second pull fetched the manifest, no blob it had stored already")
                .isPositive().isLessThan(pulledBytes.get(0) - BASE.blob().length - APP.blob().length);
        assertThat(failedBytes).isEmpty();

        TestRegistryImages.serve(registry, "gone", "v1", "", List.of(TOOL));
        registry.route(TestRegistryImages.blobPath("gone", TOOL.blob()),
                exchange -> FakeRegistry.sendError(exchange, 404, "BLOB_UNKNOWN", "no such blob"));
        assertThatThrownBy(() -> pull("gone:v1")).isInstanceOf(NotFoundException.class);
        assertThat(failedBytes).singleElement().asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LONG)
                .as("its manifest and config were downloaded before the layer failed").isPositive();
        assertThat(pulledBytes).hasSize(2);
    }

    @Test
    void concurrentPullsOfOneImageDownloadEachBlobOnceAndBuildEachSnapshotOnce() throws Exception {
        TestRegistryImages.serve(registry, "app", "v1", "", List.of(BASE, APP, TOOL));
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            List<Future<StoredImage>> pulls = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                pulls.add(pool.submit(() -> pull("app:v1")));
            }
            for (Future<StoredImage> f : pulls) {
                assertThat(f.get().repoTags()).containsExactly(host + "/app:v1");
            }
        } finally {
            pool.shutdownNow();
        }
        for (TestLayer.Built layer : List.of(BASE, APP, TOOL)) {
            assertThat(registry.count(TestRegistryImages.blobPath("app", layer.blob()))).isEqualTo(1);
        }
        assertThat(images.store().list()).hasSize(1);
        assertThat(snapshots()).hasSize(3).allMatch(s -> s.kind() == Kind.COMMITTED);
    }

    @Test
    void aPullFromAFastRegistryIsNotHeldBehindAnotherPullsTricklingDownloadOfTheSameLayer() throws Exception {
        // A 1 s stall timeout bounds how long a pull waits on another pull's download; the rate rule is off,
        // so only that bound frees the fast pull.
        images.close();
        images = ImageSystem.open(ConfigLoader.defaults()
                .withPaths(dir.resolve("root"), dir.resolve("state"), dir.resolve("berth.sock"))
                .withImage(new ImageSettings("native", 2, Duration.ofSeconds(1), dir.resolve("etc"))
                        .withMinDownloadRate(0)), ImageUsers.NONE, Clock.systemUTC());
        java.util.Random random = new java.util.Random(15);
        StringBuilder noise = new StringBuilder();
        for (int i = 0; i < 4096; i++) {
            noise.append((char) ('!' + random.nextInt(90)));
        }
        TestLayer.Built big = new TestLayer().file("data/noise", noise.toString()).build();
        String id = TestRegistryImages.serve(registry, "app", "v1", "", List.of(BASE, big));
        String bigPath = TestRegistryImages.blobPath("app", big.blob());
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        registry.route(bigPath, exchange -> {
            exchange.sendResponseHeaders(200, big.blob().length);
            java.io.OutputStream out = exchange.getResponseBody();
            for (byte b : big.blob()) {
                out.write(b);
                out.flush();
                try {
                    if (done.await(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                        return;
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (FakeRegistry fast = new FakeRegistry()) {
            assertThat(TestRegistryImages.serve(fast, "app", "v1", "", List.of(BASE, big))).isEqualTo(id);
            Future<StoredImage> slowPull = pool.submit(() -> pull("app:v1"));
            org.awaitility.Awaitility.await().until(() -> registry.count(bigPath) == 1);
            long start = System.nanoTime();

            StoredImage image = images.puller().pull(fast.authority() + "/app:v1", RegistryCredentials.ANONYMOUS);

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
            assertThat(image.id()).isEqualTo(id);
            assertThat(fast.count(TestRegistryImages.blobPath("app", big.blob()))).isEqualTo(1);
            // The trickling download is dropped at its next byte; its pull completes with the committed layer.
            assertThat(slowPull.get(15, java.util.concurrent.TimeUnit.SECONDS).id()).isEqualTo(id);
            assertThat(registry.count(bigPath)).isEqualTo(1);
        } finally {
            done.countDown();
            pool.shutdownNow();
        }
        assertThat(images.store().byId(id).orElseThrow().repoTags()).hasSize(2);
        Path top = Path.of(images.snapshotter().mounts(images.store().byId(id).orElseThrow().topSnapshotKey())
                .get(0).source());
        assertThat(top.resolve("data/noise")).hasContent(noise.toString());
        try (var ingest = Files.list(dir.resolve("root/content/ingest"))) {
            assertThat(ingest).isEmpty();
        }
    }

    @Test
    void leftoversOfAnInterruptedPullAreCleanedAtStartAndImagesSurvive() throws Exception {
        TestRegistryImages.serve(registry, "app", "v1", "", List.of(BASE, APP));
        StoredImage image = pull("app:v1");
        // What a crash mid-pull leaves: an active pull snapshot, an orphan chain snapshot, an ingest file.
        images.snapshotter().prepare("pull-crashed", image.topSnapshotKey());
        images.snapshotter().prepare("pull-orphan", null);
        images.snapshotter().commit("sha256:" + "0".repeat(64), "pull-orphan");
        Files.writeString(dir.resolve("root/content/ingest/partial"), "half");
        images.close();

        images = open();

        assertThat(images.store().find(host + "/app:v1")).contains(image);
        assertThat(snapshots()).extracting(SnapshotInfo::name).containsExactlyElementsOf(image.chainIds());
        try (var ingest = Files.list(dir.resolve("root/content/ingest"))) {
            assertThat(ingest).isEmpty();
        }
    }
}

package io.berth.server.image.archive;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.NotFoundException;
import io.berth.server.config.ConfigLoader;
import io.berth.server.config.ImageSettings;
import io.berth.server.image.ImageSystem;
import io.berth.server.image.ImageViews;
import io.berth.server.image.content.BlobInfo;
import io.berth.server.image.content.Digest;
import io.berth.server.image.reclaim.ImageUsers;
import io.berth.server.image.registry.FakeRegistry;
import io.berth.server.image.registry.MediaTypes;
import io.berth.server.image.registry.Platform;
import io.berth.server.image.registry.RegistryCredentials;
import io.berth.server.image.store.StoredImage;
import io.berth.snapshotter.Kind;
import io.berth.snapshotter.Mount;
import io.berth.snapshotter.MountedView;
import io.berth.snapshotter.SnapshotInfo;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Import and export through {@link ImageSystem#archives()}, on a native snapshotter, as root. */
class ImageArchivesTest {
    static final String ARCH = Platform.host().architecture();
    static final TestImage.Layer BASE = TestImage.layer(Map.of("etc/os-release", "base"), true);
    static final TestImage.Layer APP = TestImage.layer(Map.of("app/run", "app"), true);
    static final TestImage.Layer PLAIN_BASE = TestImage.layer(Map.of("etc/os-release", "base"), false);
    static final TestImage.Layer PLAIN_APP = TestImage.layer(Map.of("app/run", "app"), false);

    @TempDir
    Path dir;
    ImageSystem images;
    final List<ImageSystem> opened = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        images = open("node");
    }

    @AfterEach
    void close() {
        opened.forEach(ImageSystem::close);
    }

    static ImageSystem open(Path root) throws IOException {
        return ImageSystem.open(ConfigLoader.defaults()
                .withPaths(root.resolve("root"), root.resolve("state"), root.resolve("berth.sock"))
                .withImage(new ImageSettings("native", 2, Duration.ofSeconds(5), root.resolve("etc"))),
                ImageUsers.NONE, Clock.systemUTC());
    }

    private ImageSystem open(String node) throws IOException {
        ImageSystem system = open(dir.resolve(node));
        opened.add(system);
        return system;
    }

    private static List<String> snapshots(ImageSystem system) {
        return system.snapshotter().list().stream().filter(s -> s.kind() == Kind.COMMITTED).map(SnapshotInfo::name)
                .toList();
    }

    private static List<String> blobs(ImageSystem system) {
        return system.content().list().stream().map(BlobInfo::digest).map(Digest::toString).sorted().toList();
    }

    private static List<String> blobsOf(List<StoredImage> stored) {
        return stored.stream().flatMap(i -> i.blobs().stream()).distinct().sorted().toList();
    }

    private static Path top(ImageSystem system, StoredImage image) {
        return Path.of(system.snapshotter().mounts(image.topSnapshotKey()).get(0).source());
    }

    @Test
    void aDockerSaveArchiveImportsUnderTheNamesAPullWouldGive() throws Exception {
        TestImage image = new TestImage(ARCH, List.of(PLAIN_BASE, PLAIN_APP));
        Path tar = image.dockerSave("busybox:latest", "example.com:5000/team/app:v1").writeTar(dir.resolve("save.tar"));

        List<ImportedImage> imported = images.archives().importArchive(tar);

        assertThat(imported).containsExactly(new ImportedImage(image.id(),
                List.of("docker.io/library/busybox:latest", "example.com:5000/team/app:v1"), List.of()));
        StoredImage stored = images.store().find("busybox").orElseThrow();
        var cri = ImageViews.toCri(stored);
        assertThat(cri.getId()).isEqualTo(image.id());
        assertThat(cri.getRepoTagsList()).containsExactly("docker.io/library/busybox:latest",
                "example.com:5000/team/app:v1");
        assertThat(cri.getRepoDigestsList()).isEmpty();
        assertThat(cri.getUid().getValue()).isEqualTo(1000);
        String made = stored.refs().manifests().get(0);
        long madeSize = images.content().info(Digest.parse(made)).orElseThrow().size();
        assertThat(cri.getSize()).isEqualTo(image.config.length + madeSize + PLAIN_BASE.blob().length
                + PLAIN_APP.blob().length);
        assertThat(new String(images.content().readAll(Digest.parse(made), 1 << 20), UTF_8))
                .contains(MediaTypes.OCI_MANIFEST, MediaTypes.OCI_LAYER + "\"", PLAIN_APP.digest().toString());
        assertThat(snapshots(images)).containsExactlyElementsOf(stored.chainIds());
        assertThat(top(images, stored).resolve("etc/os-release")).hasContent("base");
        assertThat(top(images, stored).resolve("app/run")).hasContent("app");
        assertThat(blobs(images)).containsExactlyElementsOf(blobsOf(List.of(stored)));
        try (var staged = Files.list(dir.resolve("node/root/import-staging"))) {
            assertThat(staged).isEmpty();
        }
    }

    @Test
    void aGzippedDockerSaveWithGzipLayersAndALinkForARepeatedLayerImports() throws Exception {
        TestImage image = new TestImage(ARCH, List.of(BASE, APP, BASE));
        String repeated = TestImage.layerDir(2) + "/layer.tar";
        TestArchive archive = image.dockerSave("app:v1").without(repeated)
                .symlink(repeated, "../" + TestImage.layerDir(0) + "/layer.tar");

        images.archives().importArchive(archive.writeTarGz(dir.resolve("save.tar.gz")));

        StoredImage stored = images.store().find("app:v1").orElseThrow();
        assertThat(stored.id()).isEqualTo(image.id());
        assertThat(stored.metadata().layerDigests()).containsExactly(BASE.digest().toString(), APP.digest().toString(),
                BASE.digest().toString());
        assertThat(snapshots(images)).containsExactlyElementsOf(stored.chainIds()).hasSize(3);
        String made = new String(images.content().readAll(Digest.parse(stored.refs().manifests().get(0)), 1 << 20), UTF_8);
        assertThat(made).contains(MediaTypes.OCI_LAYER_GZIP).doesNotContain(MediaTypes.OCI_LAYER + "\"");
        assertThat(top(images, stored).resolve("app/run")).hasContent("app");
    }

    @Test
    void aDocker25ArchiveIsReadThroughItsOciLayoutAndKeepsTheRepoDigest() {
        TestImage image = new TestImage(ARCH, List.of(PLAIN_BASE));
        Path tar = image.docker25Save("docker.io/library/busybox:latest", "busybox:latest").writeTar(dir.resolve("s.tar"));

        List<ImportedImage> imported = images.archives().importArchive(tar);

        assertThat(imported).containsExactly(new ImportedImage(image.id(), List.of("docker.io/library/busybox:latest"),
                List.of("docker.io/library/busybox@" + image.manifestDigest())));
        assertThat(images.store().find("busybox").orElseThrow().refs().manifests())
                .containsExactly(image.manifestDigest().toString());
    }

    @Test
    void anOciLayoutAsDirectoryTarOrGzipGivesTheImageAPullOfTheSameImageGives() throws Exception {
        TestImage image = new TestImage(ARCH, List.of(BASE, APP));
        StoredImage pulled;
        String name;
        try (FakeRegistry registry = new FakeRegistry()) {
            registry.blob("app", image.config);
            image.layers.forEach(l -> registry.blob("app", l.blob()));
            registry.manifest("app", "v1", MediaTypes.OCI_MANIFEST, new String(image.manifest, UTF_8));
            name = registry.authority() + "/app:v1";
            pulled = images.puller().pull(name, RegistryCredentials.ANONYMOUS);
        }
        ImageSystem node = open("air-gapped");
        TestArchive layout = image.ociLayout(TestImage.annotations(ArchiveJson.CONTAINERD_NAME, name));
        List<Path> sources = List.of(layout.writeDirectory(dir.resolve("layout")), layout.writeTar(dir.resolve("l.tar")),
                layout.writeTarGz(dir.resolve("l.tar.gz")));
        for (Path source : sources) {
            List<ImportedImage> imported = node.archives().importArchive(source);

            StoredImage image2 = node.store().byId(imported.get(0).id()).orElseThrow();
            assertThat(ImageViews.toCri(image2)).as(source.toString()).isEqualTo(ImageViews.toCri(pulled));
            assertThat(image2.metadata().layerDigests()).isEqualTo(pulled.metadata().layerDigests());
            assertThat(image2.refs().manifests()).isEqualTo(pulled.refs().manifests());
            assertThat(snapshots(node)).isEqualTo(snapshots(images));
            assertThat(blobs(node)).isEqualTo(blobs(images));

            node.remover().remove(image2.id());
            assertThat(blobs(node)).isEmpty();
            assertThat(snapshots(node)).isEmpty();
        }
    }

    @Test
    void aMultiPlatformIndexImportsThisPlatformsManifestAndNeedsNoOtherPlatformsBlobs() {
        TestImage mine = new TestImage(ARCH, List.of(BASE));
        Digest indexDigest = importMultiPlatform(mine);

        StoredImage stored = images.store().byId(mine.id()).orElseThrow();
        assertThat(stored.repoTags()).containsExactly("example.com/multi:1");
        assertThat(stored.repoDigests()).containsExactly("example.com/multi@" + indexDigest);
        assertThat(stored.refs().manifests()).containsExactly(indexDigest.toString(), mine.manifestDigest().toString());
        assertThat(blobs(images)).as("the other platform's manifest is not kept").containsExactlyElementsOf(
                blobsOf(List.of(stored)));
    }

    /**
     * Imports an index of {@code mine} and an image for another platform, whose manifest is in the archive but
     * not its config and layers (as ctr export writes one platform); returns the index's digest.
     */
    private Digest importMultiPlatform(TestImage mine) {
        TestImage other = new TestImage("s390x", List.of(APP));
        String index = TestImage.index(
                TestImage.entry(MediaTypes.OCI_MANIFEST, other.manifestDigest(), other.manifest.length, null,
                        "{\"os\":\"linux\",\"architecture\":\"s390x\"}"),
                TestImage.entry(MediaTypes.OCI_MANIFEST, mine.manifestDigest(), mine.manifest.length, null,
                        "{\"os\":\"linux\",\"architecture\":\"" + ARCH + "\"}"));
        Digest indexDigest = Digest.sha256Of(index.getBytes(UTF_8));
        TestArchive archive = mine.addBlobs(new TestArchive())
                .file(TestImage.blobPath(other.manifestDigest()), other.manifest)
                .text(TestImage.blobPath(indexDigest), index)
                .text("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}")
                .text("index.json", TestImage.index(TestImage.entry(MediaTypes.OCI_INDEX, indexDigest, index.length(),
                        TestImage.annotations(ArchiveJson.OCI_REF_NAME, "example.com/multi:1"), null)));

        images.archives().importArchive(archive.writeTar(dir.resolve("multi.tar")));
        return indexDigest;
    }

    @Test
    void namesComeFromTheContainerdAnnotationElseAFullRefNameAndATagAloneImportsById() {
        TestImage a = new TestImage(ARCH, List.of(BASE));
        TestImage b = new TestImage(ARCH, List.of(APP));
        TestImage c = new TestImage(ARCH, List.of(BASE, APP));
        TestArchive archive = c.addBlobs(b.addBlobs(a.addBlobs(new TestArchive())))
                .text("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}")
                .text("index.json", TestImage.index(
                        TestImage.entry(MediaTypes.OCI_MANIFEST, a.manifestDigest(), a.manifest.length,
                                TestImage.annotations(ArchiveJson.CONTAINERD_NAME, "example.com/a:1",
                                        ArchiveJson.OCI_REF_NAME, "1"), null),
                        TestImage.entry(MediaTypes.OCI_MANIFEST, b.manifestDigest(), b.manifest.length,
                                TestImage.annotations(ArchiveJson.OCI_REF_NAME, "b:2"), null),
                        TestImage.entry(MediaTypes.OCI_MANIFEST, c.manifestDigest(), c.manifest.length,
                                TestImage.annotations(ArchiveJson.OCI_REF_NAME, "3"), null)));

        List<ImportedImage> imported = images.archives().importArchive(archive.writeDirectory(dir.resolve("layout")));

        assertThat(imported).containsExactly(
                new ImportedImage(a.id(), List.of("example.com/a:1"), List.of("example.com/a@" + a.manifestDigest())),
                new ImportedImage(b.id(), List.of("docker.io/library/b:2"),
                        List.of("docker.io/library/b@" + b.manifestDigest())),
                new ImportedImage(c.id(), List.of(), List.of()));
        StoredImage byId = images.store().find(c.id()).orElseThrow();
        assertThat(byId.repoTags()).isEmpty();
        assertThat(ImageViews.toCri(byId).getRepoDigestsList()).isEmpty();
    }

    @Test
    void anExportImportsBackToTheSameImageAndIsTheSameBytesEveryTime() throws Exception {
        TestImage image = new TestImage(ARCH, List.of(BASE, APP));
        images.archives().importArchive(image.ociLayout(TestImage.annotations(ArchiveJson.CONTAINERD_NAME,
                "docker.io/library/busybox:latest")).writeTarGz(dir.resolve("in.tar.gz")));
        StoredImage before = images.store().find("busybox").orElseThrow();

        byte[] exported = export(images, "busybox");

        assertThat(export(images, "busybox")).isEqualTo(exported);
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(exported))) {
            for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
                names.add(entry.getName());
                assertThat(entry.getModTime().getTime()).isZero();
                if (entry.getName().equals("index.json")) {
                    assertThat(new String(tar.readAllBytes(), UTF_8)).contains(
                            "\"io.containerd.image.name\":\"docker.io/library/busybox:latest\"",
                            "\"org.opencontainers.image.ref.name\":\"busybox\"",
                            "\"digest\":\"" + image.manifestDigest() + "\"");
                }
            }
        }
        List<String> blobNames = before.blobs().stream().map(d -> TestImage.blobPath(Digest.parse(d))).sorted().toList();
        List<String> expected = new ArrayList<>(List.of("blobs/", "blobs/sha256/"));
        expected.addAll(blobNames);
        expected.addAll(List.of("index.json", "oci-layout"));
        assertThat(names).containsExactlyElementsOf(expected);

        images.remover().remove(before.id());
        assertThat(blobs(images)).isEmpty();
        images.archives().importArchive(TestArchive.write(dir.resolve("out.tar"), exported));

        StoredImage after = images.store().find("busybox").orElseThrow();
        assertThat(ImageViews.toCri(after)).isEqualTo(ImageViews.toCri(before));
        assertThat(after.blobs()).isEqualTo(before.blobs());
    }

    @Test
    void anExportOfAMultiPlatformImageKeepsItsIndexSoTheRepoDigestRoundTrips() throws Exception {
        importMultiPlatform(new TestImage(ARCH, List.of(BASE)));
        StoredImage before = images.store().find("example.com/multi:1").orElseThrow();
        byte[] exported = export(images, before.repoDigests().get(0));
        ImageSystem node = open("other");

        node.archives().importArchive(TestArchive.write(dir.resolve("multi-out.tar"), exported));

        assertThat(ImageViews.toCri(node.store().find(before.id()).orElseThrow()).getRepoDigestsList())
                .isEqualTo(before.repoDigests());
    }

    @Test
    void aDockerSaveImportExportsWithItsMadeManifestAndAnIdExportIsUnnamed() throws Exception {
        TestImage image = new TestImage(ARCH, List.of(PLAIN_BASE, PLAIN_APP));
        images.archives().importArchive(image.dockerSave("app:v1").writeTar(dir.resolve("save.tar")));
        StoredImage before = images.store().find("app:v1").orElseThrow();
        ImageSystem node = open("other");

        node.archives().importArchive(TestArchive.write(dir.resolve("tag.tar"), export(images, "app:v1")));
        StoredImage byTag = node.store().find("app:v1").orElseThrow();
        assertThat(byTag.id()).isEqualTo(before.id());
        assertThat(byTag.blobs()).isEqualTo(before.blobs());
        assertThat(byTag.repoDigests()).as("the archive now names the manifest made for it")
                .containsExactly("docker.io/library/app@" + before.refs().manifests().get(0));

        node.remover().remove(byTag.id());
        node.archives().importArchive(TestArchive.write(dir.resolve("id.tar"), export(images, before.id())));
        StoredImage byId = node.store().find(before.id()).orElseThrow();
        assertThat(byId.repoTags()).isEmpty();
        assertThat(byId.repoDigests()).isEmpty();
    }

    @Test
    void anImageWhoseManifestIsGoneIsExportedWithOneMadeFromItsRecord() throws Exception {
        TestImage image = new TestImage(ARCH, List.of(BASE, APP));
        images.archives().importArchive(image.ociLayout(TestImage.annotations(ArchiveJson.CONTAINERD_NAME,
                "example.com/app:1")).writeTar(dir.resolve("in.tar")));
        images.content().delete(image.manifestDigest());
        ImageSystem node = open("other");

        node.archives().importArchive(TestArchive.write(dir.resolve("out.tar"), export(images, "example.com/app:1")));

        StoredImage imported = node.store().find("example.com/app:1").orElseThrow();
        assertThat(imported.id()).isEqualTo(image.id());
        assertThat(imported.metadata().layerDigests()).containsExactly(BASE.digest().toString(), APP.digest().toString());
        assertThat(imported.refs().manifests()).doesNotContain(image.manifestDigest().toString());
        assertThat(top(node, imported).resolve("app/run")).hasContent("app");
    }

    @Test
    void anImportMovesATagAsAPullDoesAndAnImageStoredWithOtherBlobsOnlyGainsTags() {
        TestImage image = new TestImage(ARCH, List.of(BASE, APP));
        images.archives().importArchive(image.ociLayout(TestImage.annotations(ArchiveJson.CONTAINERD_NAME,
                "example.com/app:1")).writeTar(dir.resolve("oci.tar")));
        List<String> snapshotsBefore = snapshots(images);
        // The same image saved by docker: same config and diffIDs, uncompressed layer blobs.
        TestImage saved = new TestImage(ARCH, List.of(PLAIN_BASE, PLAIN_APP));
        assertThat(saved.id()).isEqualTo(image.id());

        images.archives().importArchive(saved.dockerSave("example.com/app:2").writeTar(dir.resolve("save.tar")));

        StoredImage stored = images.store().byId(image.id()).orElseThrow();
        assertThat(stored.repoTags()).containsExactly("example.com/app:1", "example.com/app:2");
        assertThat(stored.metadata().layerDigests()).containsExactly(BASE.digest().toString(), APP.digest().toString());
        assertThat(blobs(images)).containsExactlyElementsOf(blobsOf(List.of(stored)));
        assertThat(snapshots(images)).isEqualTo(snapshotsBefore);

        TestImage next = new TestImage(ARCH, List.of(APP));
        images.archives().importArchive(next.dockerSave("example.com/app:1").writeTar(dir.resolve("next.tar")));

        assertThat(images.store().find("example.com/app:1").orElseThrow().id()).isEqualTo(next.id());
        assertThat(images.store().byId(image.id()).orElseThrow().repoTags()).containsExactly("example.com/app:2");
    }

    @Test
    void onOverlayfsAContainerRootOnAnImportedImageShowsEveryLayer() throws Exception {
        Path root = dir.resolve("overlay-node");
        ImageSystem overlay = ImageSystem.open(ConfigLoader.defaults()
                .withPaths(root.resolve("root"), root.resolve("state"), root.resolve("berth.sock"))
                .withImage(new ImageSettings("overlayfs", 2, Duration.ofSeconds(5), root.resolve("etc"))),
                ImageUsers.NONE, Clock.systemUTC());
        opened.add(overlay);
        TestImage image = new TestImage(ARCH, List.of(PLAIN_BASE, PLAIN_APP));
        overlay.archives().importArchive(image.dockerSave("app:v1").writeTarGz(dir.resolve("save.tar.gz")));
        StoredImage stored = overlay.store().find("app:v1").orElseThrow();

        List<Mount> mounts = overlay.snapshotter().prepare("container-root", stored.topSnapshotKey());
        try (MountedView view = MountedView.mount(mounts, Files.createDirectories(dir.resolve("rootfs")))) {
            assertThat(view.path().resolve("etc/os-release")).hasContent("base");
            assertThat(view.path().resolve("app/run")).hasContent("app");
        } finally {
            overlay.snapshotter().remove("container-root");
        }
    }

    @Test
    void exportingAnImageThatIsNotThereIsNotFound() {
        assertThatThrownBy(() -> export(images, "nothing:here")).isInstanceOf(NotFoundException.class)
                .hasMessageContaining("nothing:here is not on this node");
    }

    private static byte[] export(ImageSystem system, String reference) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        system.archives().exportImage(reference, out);
        return out.toByteArray();
    }
}

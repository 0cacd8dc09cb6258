package io.berth.server.image.archive;

import static io.berth.server.image.archive.ImageArchivesTest.APP;
import static io.berth.server.image.archive.ImageArchivesTest.ARCH;
import static io.berth.server.image.archive.ImageArchivesTest.BASE;
import static io.berth.server.image.archive.ImageArchivesTest.PLAIN_APP;
import static io.berth.server.image.archive.ImageArchivesTest.PLAIN_BASE;
import static io.berth.server.image.archive.TestImage.annotations;
import static io.berth.server.image.archive.TestImage.blobPath;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.InvalidArgumentException;
import io.berth.server.image.ImageSystem;
import io.berth.server.image.content.BlobInfo;
import io.berth.server.image.pull.LayerUnpacker;
import io.berth.server.image.reclaim.ImageReclaimer;
import io.berth.server.image.registry.MediaTypes;
import io.berth.server.image.registry.Platform;
import io.berth.snapshotter.SnapshotInfo;
import io.berth.snapshotter.apply.LayerApplier;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad and hostile archives: each fails with INVALID_ARGUMENT and a message naming what is wrong, and leaves
 * images, tags, blobs, snapshots, ingest and staging exactly as they were. A bystander image holds the tag
 * the hostile archives claim, so a moved tag would show.
 */
class HostileArchivesTest {
    private static final String KEPT = "example.com/keep:1";
    /** Two layers, so not the bystander; named with the bystander's tag. */
    private static final TestImage EVIL = new TestImage(ARCH, List.of(BASE, APP));
    /** A diffID no layer has. */
    private static final String WRONG_DIFF_ID = "sha256:" + "1".repeat(64);

    @TempDir
    Path dir;
    ImageSystem images;

    /** Writes the archive under test into {@code dir}, returning what to import. */
    @FunctionalInterface
    interface Source {
        Path write(Path dir);
    }

    @BeforeEach
    void open() throws Exception {
        images = ImageArchivesTest.open(dir.resolve("node"));
        images.archives().importArchive(new TestImage(ARCH, List.of(BASE)).ociLayout(
                annotations(ArchiveJson.CONTAINERD_NAME, KEPT)).writeTar(dir.resolve("kept.tar")));
    }

    @AfterEach
    void close() {
        images.close();
    }

    private static TestArchive evilLayout() {
        return EVIL.ociLayout(annotations(ArchiveJson.CONTAINERD_NAME, KEPT));
    }

    private static Source tar(TestArchive archive) {
        return dir -> archive.writeTar(dir.resolve("archive.tar"));
    }

    private static Source bytes(byte[] content) {
        return dir -> TestArchive.write(dir.resolve("archive.bin"), content);
    }

    static Stream<Arguments> hostileArchives() {
        byte[] tamperedApp = APP.blob().clone();
        tamperedApp[tamperedApp.length / 2] ^= 1;
        TestImage lyingConfig = new TestImage(ARCH, List.of(BASE, APP), List.of(BASE.diffId(), WRONG_DIFF_ID));
        TestImage lyingPlain = new TestImage(ARCH, List.of(PLAIN_BASE, PLAIN_APP), List.of(PLAIN_BASE.diffId(),
                WRONG_DIFF_ID));
        TestImage plainApp = new TestImage(ARCH, List.of(PLAIN_APP));
        TestImage weirdLayer = new TestImage(ARCH, List.of(BASE,
                new TestImage.Layer(APP.blob(), "application/vnd.example.weird", APP.diffId())));
        TestImage shortConfig = new TestImage(ARCH, List.of(BASE, APP), List.of(BASE.diffId()));
        TestImage escaping = new TestImage(ARCH, List.of(BASE, TestImage.layer(layerTar("../../../escaped"))));
        TestImage other = new TestImage(ARCH, List.of(APP));
        byte[] gzipped = evilLayout().tarGz();
        byte[] plain = evilLayout().tar();
        String bigIndex = TestImage.index(TestImage.entry(MediaTypes.OCI_MANIFEST, EVIL.manifestDigest(),
                EVIL.manifest.length, null, null)) + " ".repeat(4 << 20);
        return Stream.of(
                Arguments.of("a blob that does not match its digest",
                        tar(evilLayout().file(blobPath(APP.digest()), tamperedApp)),
                        "member " + blobPath(APP.digest()) + ": blob content does not match its digest"),
                Arguments.of("a missing blob", tar(evilLayout().without(blobPath(APP.digest()))),
                        "the archive has no member " + blobPath(APP.digest())),
                Arguments.of("a layer that is not the one its diffID names",
                        tar(lyingConfig.ociLayout(annotations(ArchiveJson.CONTAINERD_NAME, KEPT))),
                        "layer 2/2 (" + APP.digest() + "): layer content does not match the image config: diffID"),
                Arguments.of("a docker save layer whose digest is not its diffID", tar(lyingPlain.dockerSave(KEPT)),
                        "is an uncompressed tar of digest " + PLAIN_APP.digest() + ", but the config's diffID for it is "
                                + WRONG_DIFF_ID),
                Arguments.of("an unknown layer media type",
                        tar(weirdLayer.ociLayout(annotations(ArchiveJson.CONTAINERD_NAME, KEPT))),
                        "has media type 'application/vnd.example.weird', which is not a layer berth can unpack"),
                Arguments.of("an index entry of an unknown media type", tar(evilLayout().text("index.json",
                        TestImage.index(TestImage.entry("application/vnd.example.thing", EVIL.manifestDigest(),
                                EVIL.manifest.length, null, null)))),
                        "index.json manifests[0] has media type 'application/vnd.example.thing', which is neither"),
                Arguments.of("config and manifest disagreeing on the layers",
                        tar(shortConfig.ociLayout(annotations(ArchiveJson.CONTAINERD_NAME, KEPT))),
                        "is inconsistent: its manifest lists 2 layers but its config names 1 diff_ids"),
                Arguments.of("a layer that writes above its root",
                        tar(escaping.ociLayout(annotations(ArchiveJson.CONTAINERD_NAME, KEPT))),
                        "unsafe layer entry '../../../escaped'"),
                Arguments.of("a member climbing out with ..", tar(evilLayout().text("../evil", "x")),
                        "archive member '../evil' leads out of the archive with '..'"),
                Arguments.of("an absolute member", tar(evilLayout().text("/etc/evil", "x")),
                        "archive member '/etc/evil' has an absolute path"),
                Arguments.of("a manifest.json layer path climbing out", tar(new TestArchive()
                        .file(EVIL.configDigest().hex() + ".json", EVIL.config)
                        .text("manifest.json", "[{\"Config\":\"" + EVIL.configDigest().hex()
                                + ".json\",\"RepoTags\":[\"" + KEPT + "\"],\"Layers\":[\"../../etc/passwd\"]}]")),
                        "manifest.json[0].Layers: archive member '../../etc/passwd' leads out of the archive"),
                Arguments.of("a link leading out of the archive", tar(EVIL.dockerSave(KEPT)
                        .without(TestImage.layerDir(1) + "/layer.tar")
                        .symlink(TestImage.layerDir(1) + "/layer.tar", "../../../etc/passwd")),
                        "archive member '" + TestImage.layerDir(1) + "/layer.tar' leads out of the archive"),
                Arguments.of("a member that appears twice", tar(evilLayout().symlink("index.json", "oci-layout")),
                        "member 'index.json' appears twice"),
                Arguments.of("a device node", tar(evilLayout().special("dev/console", '3')),
                        "member 'dev/console' is of tar type '3'; image archives hold only files, directories and"),
                Arguments.of("a sparse file", tar(evilLayout().special("sparse", 'S')),
                        "is a sparse file, which image layers and archives never hold"),
                Arguments.of("two archives joined together", bytes(joined(plain,
                        new TestArchive().file("zeros", new byte[2 << 20]).tar())),
                        "more than 1048576 bytes follow the end of the tar archive"),
                Arguments.of("a gzip archive cut short at its end",
                        bytes(Arrays.copyOf(gzipped, gzipped.length - 6)), "truncated or corrupt: EOFException"),
                Arguments.of("a tar cut short inside a blob",
                        bytes(Arrays.copyOf(plain, plain.length / 2)), "truncated or corrupt"),
                Arguments.of("an index.json above the document bound", tar(evilLayout().text("index.json", bigIndex)),
                        "member index.json is " + bigIndex.length() + " bytes, more than the 4194304 allowed"),
                Arguments.of("an oci-layout of an unknown version",
                        tar(evilLayout().text("oci-layout", "{\"imageLayoutVersion\":\"2.0.0\"}")),
                        "does not declare imageLayoutVersion 1.0.0"),
                Arguments.of("a tag given to two images", tar(new TestArchive()
                        .file(EVIL.configDigest().hex() + ".json", EVIL.config)
                        .file(other.configDigest().hex() + ".json", other.config)
                        .file("a.tar", PLAIN_BASE.blob()).file("b.tar", PLAIN_APP.blob())
                        .text("manifest.json", "[" + dockerEntry(EVIL, "example.com/dup:1", "a.tar", "b.tar") + ","
                                + dockerEntry(other, "example.com/dup:1", "b.tar") + "]")),
                        "it gives tag example.com/dup:1 to two images"),
                Arguments.of("a RepoTags entry that is no reference", tar(EVIL.dockerSave("Not A/Valid")),
                        "manifest.json[0].RepoTags: image reference 'Not A/Valid'"),
                Arguments.of("a bad second image after a good first, its layers unpacked",
                        tar(lyingConfig.addBlobs(plainApp.addBlobs(new TestArchive()))
                                .text("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}")
                                .text("index.json", TestImage.index(
                                        TestImage.entry(MediaTypes.OCI_MANIFEST, plainApp.manifestDigest(),
                                                plainApp.manifest.length, annotations(ArchiveJson.CONTAINERD_NAME, KEPT),
                                                null),
                                        TestImage.entry(MediaTypes.OCI_MANIFEST, lyingConfig.manifestDigest(),
                                                lyingConfig.manifest.length, null, null)))),
                        "index.json manifests[1] layer 2/2 (" + APP.digest() + "): layer content does not match"),
                Arguments.of("not an archive at all", bytes("not a tar, not gzip ".repeat(100).getBytes(UTF_8)),
                        "not a valid tar archive, or a corrupt one: bad header checksum at offset 0"),
                Arguments.of("a zstd-compressed archive", bytes(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0}),
                        "it is compressed with zstd"),
                Arguments.of("neither layout nor docker save", tar(new TestArchive().text("hello.txt", "hi")),
                        "holds neither index.json (an OCI image layout) nor manifest.json (docker save)"),
                Arguments.of("a layout directory whose blob is a symbolic link", (Source) dir -> {
                    Path outside = TestArchive.write(dir.resolve("outside/blob"), APP.blob());
                    return evilLayout().without(blobPath(APP.digest()))
                            .symlink(blobPath(APP.digest()), outside.toString()).writeDirectory(dir.resolve("layout"));
                }, "member " + blobPath(APP.digest()) + ": '" + APP.digest().hex() + "' is a symbolic link"),
                Arguments.of("a layout directory whose blobs dir is a symbolic link", (Source) dir -> {
                    Path real = evilLayout().writeDirectory(dir.resolve("real"));
                    Path layout = new TestArchive().text("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}")
                            .file("index.json", evilLayout().content("index.json")).symlink("blobs", real + "/blobs")
                            .writeDirectory(dir.resolve("layout"));
                    return layout;
                }, "'blobs' is a symbolic link"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileArchives")
    void isRefusedAndChangesNothing(String what, Source source, String message) throws Exception {
        Path archive = source.write(dir.resolve("in"));
        State before = state();

        assertThatThrownBy(() -> images.archives().importArchive(archive))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessageStartingWith("image archive " + archive + ": ")
                .hasMessageContaining(message);

        assertThat(state()).isEqualTo(before);
        assertThat(dir.resolve("escaped")).doesNotExist();
        assertThat(images.store().find(KEPT).orElseThrow().metadata().layerDigests()).hasSize(1);
    }

    static Stream<Arguments> archivesBeyondTheLimits() {
        byte[] zeros = new byte[2 << 20];
        TestImage two = new TestImage(ARCH, List.of(BASE, APP));
        return Stream.of(
                Arguments.of("too many members", tar(evilLayout().text("a", "").text("b", "").text("c", "")),
                        "it has more than 8 members"),
                Arguments.of("too many images", tar(evilLayout().text("index.json", TestImage.index(
                        TestImage.entry(MediaTypes.OCI_MANIFEST, EVIL.manifestDigest(), EVIL.manifest.length, null, null),
                        TestImage.entry(MediaTypes.OCI_MANIFEST, EVIL.manifestDigest(), EVIL.manifest.length, null,
                                null)))), "index.json lists 2 images, more than the 1 one archive may hold"),
                Arguments.of("too many layers", tar(two.ociLayout(null)), "has 2 layers, more than the 1"),
                Arguments.of("too long a member name", tar(evilLayout().text("x".repeat(200), "")),
                        "is longer than 100 bytes"),
                Arguments.of("a gzip bomb", bytes(new TestArchive().file("zeros", zeros).tarGz()),
                        "the tar holds more than 1048576 bytes (uncompressed)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("archivesBeyondTheLimits")
    void isRefusedAtItsBound(String what, Source source, String message) throws Exception {
        ImageReclaimer reclaimer = new ImageReclaimer(images.store(), images.content(), images.snapshotter());
        ImageArchives small = ImageArchives.open(images.store(), images.content(),
                new LayerUnpacker(images.snapshotter(), new LayerApplier(dir.resolve("scratch")), images.content(),
                        reclaimer),
                reclaimer, Platform.host(), new ArchiveLimits(8, 1, 1, 4096, 100, 1 << 20), dir.resolve("staging"),
                Clock.systemUTC());
        Path archive = source.write(dir.resolve("in"));
        State before = state();

        assertThatThrownBy(() -> small.importArchive(archive)).isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining(message);

        assertThat(state()).isEqualTo(before);
        try (var staged = Files.list(dir.resolve("staging"))) {
            assertThat(staged).isEmpty();
        }
    }

    @Test
    void aMissingArchiveIsNotFound() {
        assertThatThrownBy(() -> images.archives().importArchive(dir.resolve("nowhere.tar")))
                .hasMessage("image archive " + dir.resolve("nowhere.tar") + ": it does not exist");
    }

    /** What an import must not change when it fails. */
    record State(List<String> images, List<String> blobs, List<String> snapshots, List<String> ingest,
            List<String> staging) {}

    private State state() throws IOException {
        return new State(
                images.store().list().stream().map(i -> i.id() + " " + i.repoTags() + " " + i.repoDigests()).toList(),
                images.content().list().stream().map(BlobInfo::digest).map(Object::toString).sorted().toList(),
                images.snapshotter().list().stream().map(SnapshotInfo::name).toList(),
                listing(dir.resolve("node/root/content/ingest")), listing(dir.resolve("node/root/import-staging")));
    }

    private static List<String> listing(Path directory) throws IOException {
        try (var files = Files.list(directory)) {
            return files.map(Path::toString).sorted().toList();
        }
    }

    private static byte[] joined(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    /** One docker manifest.json entry. */
    private static String dockerEntry(TestImage image, String tag, String... layers) {
        return "{\"Config\":\"" + image.configDigest().hex() + ".json\",\"RepoTags\":[\"" + tag + "\"],\"Layers\":["
                + String.join(",", Arrays.stream(layers).map(l -> "\"" + l + "\"").toList()) + "]}";
    }

    /** A layer tar of one file under {@code name}, any name, written by commons-compress. */
    private static byte[] layerTar(String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out, "UTF-8")) {
            TarArchiveEntry entry = new TarArchiveEntry(name, true);
            entry.setSize(1);
            tar.putArchiveEntry(entry);
            tar.write('x');
            tar.closeArchiveEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}

package io.berth.server.image.registry;

import static io.berth.server.image.registry.TestImages.CONFIG;
import static io.berth.server.image.registry.TestImages.LAYER;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.NotFoundException;
import io.berth.common.error.ResourceExhaustedException;
import io.berth.common.error.UnavailableException;
import io.berth.server.image.content.BlobInfo;
import io.berth.server.image.content.ContentStore;
import io.berth.server.image.content.Digest;
import io.berth.server.image.hosts.HostsConfig;
import io.berth.server.image.reference.ImageReference;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryClientTest {
    private static final Platform AMD64 = Platform.parse("linux/amd64");

    @TempDir
    Path dir;

    private FakeRegistry registry;
    private RegistryClient client;
    private ContentStore store;

    @BeforeEach
    void start() throws IOException {
        registry = new FakeRegistry();
        client = new RegistryClient(new HostsConfig(dir.resolve("etc")), RegistrySettings.defaults());
        store = ContentStore.open(dir.resolve("root"));
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    private ImageReference ref(String nameAndTag) {
        return ImageReference.parse(registry.authority() + "/" + nameAndTag);
    }

    @Test
    void resolvesTagToOciManifest() {
        String manifest = TestImages.ociManifest(registry, "library/app");
        Digest digest = registry.manifest("library/app", "1.0", MediaTypes.OCI_MANIFEST, manifest);

        ResolvedImage image = client.resolve(ref("library/app:1.0"), RegistryCredentials.ANONYMOUS, AMD64);

        assertThat(image.digest()).isEqualTo(digest);
        assertThat(image.manifestDigest()).isEqualTo(digest);
        assertThat(image.index()).isEmpty();
        assertThat(image.manifestBytes().toStringUtf8()).isEqualTo(manifest);
        assertThat(image.manifest().config()).isEqualTo(
                new Descriptor(MediaTypes.OCI_CONFIG, Digest.sha256Of(CONFIG), CONFIG.length));
        assertThat(image.manifest().layers()).extracting(Descriptor::digest).containsExactly(Digest.sha256Of(LAYER));
        assertThat(image.registryHost()).isEqualTo(registry.authority());
        String accept = registry.requests().get(0).header("Accept");
        assertThat(accept).contains(MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX, MediaTypes.DOCKER_MANIFEST,
                MediaTypes.DOCKER_MANIFEST_LIST);
    }

    @Test
    void selectsThePlatformFromAnIndex() {
        List<String> entries = new ArrayList<>();
        List<Digest> digests = new ArrayList<>();
        String[][] platforms = {{"amd64", null}, {"arm64", null}, {"arm", "v6"}, {"arm", "v7"}, {"unknown", null}};
        for (String[] platform : platforms) {
            String manifest = TestImages.manifest(MediaTypes.DOCKER_MANIFEST, Digest.sha256Of(CONFIG), CONFIG.length,
                    Digest.sha256Of((platform[0] + platform[1]).getBytes(UTF_8)), 10);
            Digest digest = registry.manifest("library/multi", platform[0] + platform[1], MediaTypes.DOCKER_MANIFEST,
                    manifest);
            digests.add(digest);
            String os = platform[0].equals("unknown") ? "unknown" : "linux";
            entries.add(TestImages.indexEntry(MediaTypes.DOCKER_MANIFEST, digest, TestImages.size(manifest), os,
                    platform[0], platform[1]));
        }
        Digest indexDigest = registry.manifest("library/multi", "latest", MediaTypes.DOCKER_MANIFEST_LIST,
                TestImages.index(MediaTypes.DOCKER_MANIFEST_LIST, entries.toArray(String[]::new)));
        ImageReference multi = ref("library/multi");

        assertThat(client.resolve(multi, RegistryCredentials.ANONYMOUS, AMD64).manifestDigest()).isEqualTo(digests.get(0));
        ResolvedImage arm64 = client.resolve(multi, RegistryCredentials.ANONYMOUS, Platform.parse("linux/arm64/v8"));
        assertThat(arm64.manifestDigest()).isEqualTo(digests.get(1));
        assertThat(arm64.digest()).isEqualTo(indexDigest);
        assertThat(arm64.index()).hasValueSatisfying(i -> assertThat(i.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST_LIST));
        assertThat(client.resolve(multi, RegistryCredentials.ANONYMOUS, Platform.parse("linux/arm/v7")).manifestDigest())
                .isEqualTo(digests.get(3));
        assertThat(client.resolve(multi, RegistryCredentials.ANONYMOUS, Platform.parse("linux/arm/v6")).manifestDigest())
                .isEqualTo(digests.get(2));
        assertThatThrownBy(() -> client.resolve(multi, RegistryCredentials.ANONYMOUS, Platform.parse("linux/s390x")))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining("no manifest for platform linux/s390x")
                .hasMessageContaining("linux/amd64/v1, linux/arm64/v8, linux/arm/v6, linux/arm/v7");
    }

    @Test
    void refusesSchema1() {
        registry.route("/v2/library/old/manifests/latest", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", MediaTypes.DOCKER_SCHEMA1_SIGNED);
            FakeRegistry.send(exchange, 200, "{\"schemaVersion\":1,\"name\":\"library/old\"}".getBytes(UTF_8));
        });
        registry.route("/v2/library/older/manifests/latest", exchange ->
                FakeRegistry.send(exchange, 200, "{\"schemaVersion\":1,\"fsLayers\":[]}".getBytes(UTF_8)));

        for (String name : List.of("library/old", "library/older")) {
            assertThatThrownBy(() -> client.resolve(ref(name), RegistryCredentials.ANONYMOUS, AMD64))
                    .isInstanceOf(FailedPreconditionException.class)
                    .hasMessageContaining("schema1 manifests are not supported; push the image with a current client")
                    .hasMessageContaining(name);
        }
    }

    @Test
    void mapsErrorStatuses() {
        registry.route("/v2/library/broken/manifests/latest",
                exchange -> FakeRegistry.send(exchange, 503, "backend on fire".getBytes(UTF_8)));

        assertThatThrownBy(() -> client.resolve(ref("library/x:y"), RegistryCredentials.ANONYMOUS, AMD64))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining("image " + registry.authority() + "/library/x:y not found in registry "
                        + registry.authority())
                .hasMessageContaining("HTTP 404: MANIFEST_UNKNOWN");
        assertThatThrownBy(() -> client.resolve(ref("library/broken"), RegistryCredentials.ANONYMOUS, AMD64))
                .isInstanceOf(UnavailableException.class)
                .hasMessageContaining("HTTP 503: backend on fire");
    }

    @Test
    void refusesOversizedManifestsWithoutReadingThem() throws IOException {
        client = new RegistryClient(new HostsConfig(dir), RegistrySettings.defaults().withMaxManifestBytes(1024));
        byte[] big = ("{\"schemaVersion\":2,\"pad\":\"" + "x".repeat(4096) + "\"}").getBytes(UTF_8);
        registry.route("/v2/library/declared/manifests/latest", exchange -> FakeRegistry.send(exchange, 200, big));
        registry.route("/v2/library/chunked/manifests/latest", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(big);
            }
        });

        assertThatThrownBy(() -> client.resolve(ref("library/declared"), RegistryCredentials.ANONYMOUS, AMD64))
                .isInstanceOf(ResourceExhaustedException.class)
                .hasMessageContaining(big.length + " bytes, more than the 1024");
        assertThatThrownBy(() -> client.resolve(ref("library/chunked"), RegistryCredentials.ANONYMOUS, AMD64))
                .isInstanceOf(ResourceExhaustedException.class)
                .hasMessageContaining("1025 bytes, more than the 1024");
    }

    @Test
    void refusesAManifestThatDoesNotMatchTheRequestedDigest() {
        String manifest = TestImages.ociManifest(registry, "library/app");
        Digest claimed = Digest.sha256Of("something else".getBytes(UTF_8));
        registry.route("/v2/library/app/manifests/" + claimed, exchange -> {
            exchange.getResponseHeaders().add("Content-Type", MediaTypes.OCI_MANIFEST);
            FakeRegistry.send(exchange, 200, manifest.getBytes(UTF_8));
        });

        assertThatThrownBy(() -> client.resolve(ref("library/app@" + claimed), RegistryCredentials.ANONYMOUS, AMD64))
                .isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("does not match its digest " + claimed);
    }

    @Test
    void downloadsABlobIntoTheStoreReportingProgress() throws IOException {
        Digest digest = registry.blob("library/app", LAYER);
        List<Long> progress = new ArrayList<>();

        BlobInfo info = client.fetchBlob(ref("library/app"), RegistryCredentials.ANONYMOUS,
                new Descriptor("application/octet-stream", digest, LAYER.length), store, (d, n) -> progress.add(n));

        assertThat(info).isEqualTo(new BlobInfo(digest, LAYER.length));
        assertThat(store.readAll(digest, LAYER.length)).isEqualTo(LAYER);
        assertThat(progress).isNotEmpty().endsWith((long) LAYER.length);
    }

    @Test
    void blobWithWrongContentIsNotStored() throws IOException {
        byte[] tampered = LAYER.clone();
        tampered[3] ^= 1;
        Digest digest = Digest.sha256Of(LAYER);
        registry.route("/v2/library/app/blobs/" + digest, exchange -> FakeRegistry.send(exchange, 200, tampered));

        assertThatThrownBy(() -> client.fetchBlob(ref("library/app"), RegistryCredentials.ANONYMOUS,
                new Descriptor("application/octet-stream", digest, LAYER.length), store, DownloadProgress.NONE))
                .isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("does not match its digest " + digest);
        assertThat(store.info(digest)).isEmpty();
        assertThat(filesUnder(dir.resolve("root/content"))).isEmpty();
    }

    @Test
    void truncatedBlobFailsAndLeavesNothing() throws IOException {
        Digest digest = Digest.sha256Of(LAYER);
        registry.route("/v2/library/app/blobs/" + digest, exchange -> {
            exchange.sendResponseHeaders(200, LAYER.length);
            OutputStream out = exchange.getResponseBody();
            out.write(LAYER, 0, 100);
            out.flush();
            // Dropping the connection mid-body, as a crashing server would.
            exchange.getHttpContext().getServer().stop(0);
        });

        assertThatThrownBy(() -> client.fetchBlob(ref("library/app"), RegistryCredentials.ANONYMOUS,
                new Descriptor("application/octet-stream", digest, LAYER.length), store, DownloadProgress.NONE))
                .isInstanceOf(UnavailableException.class)
                .hasMessageContaining("broke off after 100 of " + LAYER.length + " bytes");
        assertThat(filesUnder(dir.resolve("root/content"))).isEmpty();
    }

    static List<Path> filesUnder(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }
}

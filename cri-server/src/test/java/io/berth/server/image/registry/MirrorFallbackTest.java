package io.berth.server.image.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.server.image.content.ContentStore;
import io.berth.server.image.hosts.HostsConfig;
import io.berth.server.image.reference.ImageReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MirrorFallbackTest {
    @TempDir
    Path dir;

    @Test
    void triesMirrorsInOrderThenTheUpstream() throws IOException {
        try (FakeRegistry failing = new FakeRegistry();
                FakeRegistry empty = new FakeRegistry();
                FakeRegistry upstream = new FakeRegistry()) {
            failing.gate(exchange -> FakeRegistry.sendError(exchange, 500, "UNKNOWN", "mirror broken"));
            String manifest = TestImages.ociManifest(upstream, "library/app");
            upstream.manifest("library/app", "1", MediaTypes.OCI_MANIFEST, manifest);
            // The second mirror has the layer but not the tag.
            TestImages.ociManifest(empty, "library/app");
            Path hostDir = dir.resolve("etc/certs.d/" + upstream.authority());
            Files.createDirectories(hostDir);
            Files.writeString(hostDir.resolve("hosts.toml"), """
                    server = "http://%s"

                    [host."http://%s"]
                      capabilities = ["pull", "resolve"]
                    [host."http://%s"]
                      capabilities = ["pull", "resolve"]
                    """.formatted(upstream.authority(), failing.authority(), empty.authority()));
            RegistryClient client = new RegistryClient(new HostsConfig(dir.resolve("etc")), RegistrySettings.defaults());
            ImageReference ref = ImageReference.parse(upstream.authority() + "/library/app:1");
            ContentStore store = ContentStore.open(dir.resolve("root"));

            ResolvedImage image = client.resolve(ref, RegistryCredentials.ANONYMOUS, Platform.parse("linux/amd64"));

            assertThat(image.registryHost()).isEqualTo(upstream.authority());
            record Hit(long sequence, String server, String path) {}
            List<Hit> hits = new ArrayList<>();
            for (FakeRegistry server : List.of(failing, empty, upstream)) {
                server.requests().forEach(r -> hits.add(new Hit(r.sequence(), server.authority(), r.path())));
            }
            hits.sort(Comparator.comparingLong(Hit::sequence));
            assertThat(hits).extracting(Hit::server)
                    .containsExactly(failing.authority(), empty.authority(), upstream.authority());
            assertThat(hits).extracting(Hit::path).containsOnly("/v2/library/app/manifests/1");
            assertThat(failing.requests().get(0).query()).isEqualTo("ns=" + upstream.authority());
            assertThat(upstream.requests().get(0).query()).isNull();

            // Blobs by digest: the broken mirror first, then the mirror that has them; the upstream is not asked.
            for (Descriptor layer : image.manifest().layers()) {
                client.fetchBlob(ref, RegistryCredentials.ANONYMOUS, layer, store, DownloadProgress.NONE);
            }
            String layerPath = "/v2/library/app/blobs/" + image.manifest().layers().get(0).digest();
            assertThat(failing.count(layerPath)).isEqualTo(1);
            assertThat(empty.count(layerPath)).isEqualTo(1);
            assertThat(upstream.count(layerPath)).isZero();
            assertThat(store.info(image.manifest().layers().get(0).digest())).isPresent();
        }
    }

    @Test
    void pullOnlyMirrorsAreNotAskedToResolveTags() throws IOException {
        try (FakeRegistry mirror = new FakeRegistry(); FakeRegistry upstream = new FakeRegistry()) {
            upstream.manifest("library/app", "1", MediaTypes.OCI_MANIFEST, TestImages.ociManifest(upstream, "library/app"));
            Path hostDir = dir.resolve("etc/certs.d/" + upstream.authority());
            Files.createDirectories(hostDir);
            Files.writeString(hostDir.resolve("hosts.toml"), """
                    [host."http://%s"]
                      capabilities = ["pull"]
                    """.formatted(mirror.authority()));
            RegistryClient client = new RegistryClient(new HostsConfig(dir.resolve("etc")), RegistrySettings.defaults());

            client.resolve(ImageReference.parse(upstream.authority() + "/library/app:1"), RegistryCredentials.ANONYMOUS,
                    Platform.parse("linux/amd64"));

            assertThat(mirror.requests()).isEmpty();
            assertThat(upstream.requests()).hasSize(1);
        }
    }
}

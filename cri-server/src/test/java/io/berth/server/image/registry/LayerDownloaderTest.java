package io.berth.server.image.registry;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.berth.common.error.UnavailableException;
import io.berth.server.image.content.BlobInfo;
import io.berth.server.image.content.ContentStore;
import io.berth.server.image.content.Digest;
import io.berth.server.image.hosts.HostsConfig;
import io.berth.server.image.reference.ImageReference;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerDownloaderTest {
    @TempDir
    Path dir;

    private static List<Descriptor> layers(int count) {
        List<Descriptor> layers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] content = ("layer " + i).getBytes(UTF_8);
            layers.add(new Descriptor("application/vnd.oci.image.layer.v1.tar", Digest.sha256Of(content), content.length));
        }
        return layers;
    }

    /** A fetcher whose downloads finish only when the test releases them, one by one. */
    private static final class GatedFetcher implements LayerDownloader.BlobFetcher {
        final Map<Digest, CountDownLatch> gates = new ConcurrentHashMap<>();
        final Set<Digest> started = ConcurrentHashMap.newKeySet();
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger maxRunning = new AtomicInteger();

        @Override
        public BlobInfo fetch(Descriptor blob, DownloadProgress progress) {
            started.add(blob.digest());
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                if (!gate(blob).await(30, TimeUnit.SECONDS)) {
                    throw new UnavailableException("test never released " + blob.digest());
                }
                progress.onBytes(blob, blob.size());
                return new BlobInfo(blob.digest(), blob.size());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UnavailableException("cancelled");
            } finally {
                running.decrementAndGet();
            }
        }

        CountDownLatch gate(Descriptor blob) {
            return gates.computeIfAbsent(blob.digest(), d -> new CountDownLatch(1));
        }
    }

    @Test
    void downloadsInParallelUpToTheLimitAndHandsLayersOverInOrder() throws Exception {
        List<Descriptor> layers = layers(5);
        GatedFetcher fetcher = new GatedFetcher();
        List<Integer> consumed = new CopyOnWriteArrayList<>();
        List<Long> progress = new CopyOnWriteArrayList<>();
        Thread pull = new Thread(() -> new LayerDownloader(2).download(layers, fetcher,
                (blob, bytes) -> progress.add(bytes), (i, layer, stored) -> consumed.add(i)));
        pull.start();
        await().until(() -> fetcher.started.size() == 2);

        fetcher.gate(layers.get(1)).countDown();
        await().until(() -> fetcher.started.contains(layers.get(2).digest()));
        assertThat(consumed).as("layer 1 must wait for layer 0").isEmpty();

        fetcher.gate(layers.get(0)).countDown();
        await().until(() -> consumed.equals(List.of(0, 1)));

        layers.forEach(layer -> fetcher.gate(layer).countDown());
        pull.join(10_000);
        assertThat(consumed).containsExactly(0, 1, 2, 3, 4);
        assertThat(fetcher.maxRunning).hasValue(2);
        assertThat(progress).hasSize(5);
    }

    @Test
    void twoPullsTogetherDownloadNoMoreThanTheDaemonAllows() throws Exception {
        List<Descriptor> layers = layers(6);
        GatedFetcher fetcher = new GatedFetcher();
        LayerDownloader downloader = new LayerDownloader(3, 4);
        List<Thread> pulls = new ArrayList<>();
        for (List<Descriptor> image : List.of(layers.subList(0, 3), layers.subList(3, 6))) {
            Thread pull = new Thread(() -> downloader.download(image, fetcher, DownloadProgress.NONE,
                    (i, layer, stored) -> { }));
            pull.start();
            pulls.add(pull);
        }
        await().until(() -> fetcher.started.size() == 4);
        assertThat(fetcher.running).as("each pull may run 3, the daemon 4").hasValue(4);

        layers.forEach(layer -> fetcher.gate(layer).countDown());
        for (Thread pull : pulls) {
            pull.join(10_000);
        }
        assertThat(fetcher.started).hasSize(6);
        assertThat(fetcher.maxRunning).hasValue(4);
    }

    @Test
    void aFailedLayerStopsThePullAfterTheLayersBeforeIt() {
        List<Descriptor> layers = layers(4);
        List<Integer> consumed = new CopyOnWriteArrayList<>();
        LayerDownloader.BlobFetcher fetcher = (blob, progress) -> {
            if (blob.equals(layers.get(2))) {
                throw new UnavailableException("registry went away while fetching layer 2");
            }
            return new BlobInfo(blob.digest(), blob.size());
        };

        assertThatThrownBy(() -> new LayerDownloader(3).download(layers, fetcher, DownloadProgress.NONE,
                (i, layer, stored) -> consumed.add(i)))
                .isInstanceOf(UnavailableException.class)
                .hasMessageContaining("layer 2");
        assertThat(consumed).containsExactly(0, 1);
    }

    @Test
    void pullsRealLayersFromARegistrySharingRepeatedBlobs() throws IOException {
        try (FakeRegistry registry = new FakeRegistry()) {
            List<Descriptor> layers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                byte[] content = ("content of layer " + (i % 3)).repeat(1000).getBytes(UTF_8);
                layers.add(new Descriptor("application/vnd.oci.image.layer.v1.tar", registry.blob("library/app", content),
                        content.length));
            }
            ContentStore store = ContentStore.open(dir.resolve("root"));
            RegistryClient client = new RegistryClient(new HostsConfig(dir), RegistrySettings.defaults());
            ImageReference ref = ImageReference.parse(registry.authority() + "/library/app:1");
            List<Integer> consumed = new CopyOnWriteArrayList<>();

            new LayerDownloader(LayerDownloader.DEFAULT_MAX_PARALLEL).download(layers,
                    (blob, progress) -> client.fetchBlob(ref, RegistryCredentials.ANONYMOUS, blob, store, progress),
                    DownloadProgress.NONE, (i, layer, stored) -> {
                        assertThat(store.info(layer.digest())).contains(stored);
                        consumed.add(i);
                    });

            assertThat(consumed).containsExactly(0, 1, 2, 3);
            assertThat(registry.count("/v2/library/app/blobs/" + layers.get(0).digest())).isEqualTo(1);
            assertThat(store.list()).hasSize(3);
        }
    }
}

package io.berth.server.image.registry;

import static io.berth.server.image.registry.TestImages.LAYER;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.berth.common.error.DeadlineExceededException;
import io.berth.common.error.PermissionDeniedException;
import io.berth.server.image.content.BlobInfo;
import io.berth.server.image.content.ContentStore;
import io.berth.server.image.content.Digest;
import io.berth.server.image.hosts.HostsConfig;
import io.berth.server.image.reference.ImageReference;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobTransferTest {
    private static final Digest LAYER_DIGEST = Digest.sha256Of(LAYER);
    private static final Descriptor LAYER_BLOB = new Descriptor("application/octet-stream", LAYER_DIGEST, LAYER.length);

    @TempDir
    Path dir;

    private final CountDownLatch release = new CountDownLatch(1);
    private FakeRegistry registry;
    private ContentStore store;

    @BeforeEach
    void start() throws IOException {
        registry = new FakeRegistry();
        store = ContentStore.open(dir.resolve("root"));
    }

    @AfterEach
    void stop() {
        release.countDown();
        registry.close();
    }

    private RegistryClient client(Duration stallTimeout) {
        return new RegistryClient(new HostsConfig(dir.resolve("etc")),
                RegistrySettings.defaults().withStallTimeout(stallTimeout));
    }

    private ImageReference app() {
        return ImageReference.parse(registry.authority() + "/library/app:1");
    }

    @Test
    void followsABlobRedirectToAnotherServerWithoutTheCredentials() throws IOException {
        try (FakeRegistry storage = new FakeRegistry()) {
            storage.route("/bucket/layer", exchange -> FakeRegistry.send(exchange, 200, LAYER));
            registry.route("/v2/library/app/blobs/" + LAYER_DIGEST, exchange -> {
                exchange.getResponseHeaders().add("Location", "http://" + storage.authority() + "/bucket/layer?sig=1");
                FakeRegistry.send(exchange, 307, new byte[0]);
            });
            RegistryCredentials token = new RegistryCredentials("", "", "", "", "secret-token");

            BlobInfo info = client(Duration.ofSeconds(30)).fetchBlob(app(), token, LAYER_BLOB, store,
                    DownloadProgress.NONE);

            assertThat(info.size()).isEqualTo(LAYER.length);
            assertThat(registry.requests()).singleElement()
                    .satisfies(r -> assertThat(r.header("Authorization")).isEqualTo("Bearer secret-token"));
            assertThat(storage.requests()).singleElement().satisfies(r -> {
                assertThat(r.query()).isEqualTo("sig=1");
                assertThat(r.header("Authorization")).isNull();
            });
        }
    }

    @Test
    void aRedirectTargetsChallengeIsNeverAnsweredWithTheRegistrysCredentials() throws IOException {
        try (FakeRegistry elsewhere = new FakeRegistry()) {
            elsewhere.route("/bucket/layer", exchange -> {
                exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"elsewhere\"");
                FakeRegistry.send(exchange, 401, new byte[0]);
            });
            registry.route("/v2/library/app/blobs/" + LAYER_DIGEST, exchange -> {
                exchange.getResponseHeaders().add("Location", "http://" + elsewhere.authority() + "/bucket/layer");
                FakeRegistry.send(exchange, 307, new byte[0]);
            });
            RegistryCredentials secret = new RegistryCredentials("user", "pull-secret", "", "", "");

            assertThatThrownBy(() -> client(Duration.ofSeconds(30)).fetchBlob(app(), secret, LAYER_BLOB, store,
                    DownloadProgress.NONE))
                    .isInstanceOf(PermissionDeniedException.class)
                    .hasMessageContaining("redirected the request for blob " + LAYER_DIGEST)
                    .hasMessageContaining(elsewhere.authority() + ", which asked for credentials");
            assertThat(elsewhere.requests()).singleElement()
                    .satisfies(r -> assertThat(r.header("Authorization")).isNull());
        }
    }

    @Test
    void aStalledDownloadIsCancelled() throws IOException {
        registry.route("/v2/library/app/blobs/" + LAYER_DIGEST, exchange -> {
            exchange.sendResponseHeaders(200, LAYER.length);
            OutputStream out = exchange.getResponseBody();
            out.write(LAYER, 0, 200);
            out.flush();
            awaitRelease();
        });
        long start = System.nanoTime();

        assertThatThrownBy(() -> client(Duration.ofSeconds(1)).fetchBlob(app(), RegistryCredentials.ANONYMOUS,
                LAYER_BLOB, store, DownloadProgress.NONE))
                .isInstanceOf(DeadlineExceededException.class)
                .hasMessageContaining("blob " + LAYER_DIGEST)
                .hasMessageContaining("stalled: no data for 1 s");

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        assertThat(RegistryClientTest.filesUnder(dir.resolve("root/content"))).isEmpty();
    }

    /** Serves {@code blob} one byte every 100 ms until the client goes away or the test ends. */
    private FakeRegistry.Handler trickle(byte[] blob) {
        return exchange -> {
            exchange.sendResponseHeaders(200, blob.length);
            OutputStream out = exchange.getResponseBody();
            for (byte b : blob) {
                out.write(b);
                out.flush();
                try {
                    if (release.await(100, TimeUnit.MILLISECONDS)) {
                        return;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        };
    }

    @Test
    void aTrickleBelowTheMinimumRateIsCancelledInBoundedTime() throws IOException {
        registry.route("/v2/library/app/blobs/" + LAYER_DIGEST, trickle(LAYER));
        RegistryClient client = new RegistryClient(new HostsConfig(dir.resolve("etc")), RegistrySettings.defaults()
                .withStallTimeout(Duration.ofSeconds(30)).withMinimumRate(new MinimumRate(100, Duration.ofSeconds(1))));
        long start = System.nanoTime();

        assertThatThrownBy(() -> client.fetchBlob(app(), RegistryCredentials.ANONYMOUS, LAYER_BLOB, store,
                DownloadProgress.NONE))
                .isInstanceOf(DeadlineExceededException.class)
                .hasMessageContaining("blob " + LAYER_DIGEST)
                .hasMessageContaining("from " + registry.authority())
                .hasMessageMatching("(?s).*too slow: [0-9.]+ B/s averaged over the last 1 s, below the minimum of 100 B/s.*");

        // The trickle never goes quiet for the 30 s stall timeout; the rate rule ends it after its 1 s window.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(RegistryClientTest.filesUnder(dir.resolve("root/content"))).isEmpty();
    }

    @Test
    void aWaiterFetchesFromItsOwnRegistryWhileTheSharedDownloadTrickles() throws Exception {
        String path = "/v2/library/app/blobs/" + LAYER_DIGEST;
        registry.route(path, trickle(LAYER));
        try (FakeRegistry fast = new FakeRegistry()) {
            fast.blob("mirror/app", LAYER);
            // The rate rule is off, so only the bounded wait (the 1 s stall timeout) frees the second pull.
            RegistryClient client = new RegistryClient(new HostsConfig(dir.resolve("etc")), RegistrySettings.defaults()
                    .withStallTimeout(Duration.ofSeconds(1)).withMinimumRate(MinimumRate.OFF));
            List<Object> slowOutcome = new CopyOnWriteArrayList<>();
            Thread slow = new Thread(() -> {
                try {
                    slowOutcome.add(client.fetchBlob(app(), RegistryCredentials.ANONYMOUS, LAYER_BLOB, store,
                            DownloadProgress.NONE));
                } catch (RuntimeException e) {
                    slowOutcome.add(e);
                }
            });
            slow.start();
            await().until(() -> registry.count(path) == 1);
            long start = System.nanoTime();

            BlobInfo info = client.fetchBlob(ImageReference.parse(fast.authority() + "/mirror/app:1"),
                    RegistryCredentials.ANONYMOUS, LAYER_BLOB, store, DownloadProgress.NONE);

            assertThat(info).isEqualTo(new BlobInfo(LAYER_DIGEST, LAYER.length));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            assertThat(fast.count("/v2/mirror/app/blobs/" + LAYER_DIGEST)).isEqualTo(1);
            // The trickling download stops at its next byte and its caller gets the committed blob.
            slow.join(10_000);
            assertThat(slow.isAlive()).isFalse();
            assertThat(slowOutcome).containsExactly(info);
            assertThat(registry.count(path)).isEqualTo(1);
            assertThat(store.readAll(LAYER_DIGEST, LAYER.length)).isEqualTo(LAYER);
            assertThat(RegistryClientTest.filesUnder(dir.resolve("root/content/ingest"))).isEmpty();
        }
    }

    @Test
    void aWaiterWhoseSharedDownloadFailsFetchesFromItsOwnRegistry() throws Exception {
        String path = "/v2/library/app/blobs/" + LAYER_DIGEST;
        registry.route(path, trickle(LAYER));
        try (FakeRegistry fast = new FakeRegistry()) {
            fast.blob("mirror/app", LAYER);
            // The wait is bounded by 30 s, but the trickle trips the rate rule after 1 s: the waiter must not
            // inherit that registry's failure.
            RegistryClient client = new RegistryClient(new HostsConfig(dir.resolve("etc")), RegistrySettings.defaults()
                    .withStallTimeout(Duration.ofSeconds(30)).withMinimumRate(new MinimumRate(100, Duration.ofSeconds(1))));
            List<Object> slowOutcome = new CopyOnWriteArrayList<>();
            Thread slow = new Thread(() -> {
                try {
                    slowOutcome.add(client.fetchBlob(app(), RegistryCredentials.ANONYMOUS, LAYER_BLOB, store,
                            DownloadProgress.NONE));
                } catch (RuntimeException e) {
                    slowOutcome.add(e);
                }
            });
            slow.start();
            await().until(() -> registry.count(path) == 1);
            List<BlobInfo> results = new CopyOnWriteArrayList<>();
            Thread waiter = new Thread(() -> results.add(client.fetchBlob(
                    ImageReference.parse(fast.authority() + "/mirror/app:1"), RegistryCredentials.ANONYMOUS,
                    LAYER_BLOB, store, DownloadProgress.NONE)));
            waiter.start();
            await().until(() -> waiter.getState() == Thread.State.TIMED_WAITING);
            assertThat(fast.requests()).as("the waiter first joins the shared download").isEmpty();

            waiter.join(15_000);
            slow.join(15_000);

            assertThat(results).containsExactly(new BlobInfo(LAYER_DIGEST, LAYER.length));
            assertThat(slowOutcome).singleElement().isInstanceOf(DeadlineExceededException.class);
            assertThat(store.readAll(LAYER_DIGEST, LAYER.length)).isEqualTo(LAYER);
            assertThat(RegistryClientTest.filesUnder(dir.resolve("root/content/ingest"))).isEmpty();
        }
    }

    @Test
    void concurrentFetchesOfOneBlobHitTheRegistryOnce() throws Exception {
        String path = "/v2/library/app/blobs/" + LAYER_DIGEST;
        registry.route(path, exchange -> {
            exchange.sendResponseHeaders(200, LAYER.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(LAYER, 0, 10);
                out.flush();
                awaitRelease();
                out.write(LAYER, 10, LAYER.length - 10);
            }
        });
        RegistryClient client = client(Duration.ofSeconds(30));
        List<BlobInfo> results = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Thread thread = new Thread(() -> results.add(client.fetchBlob(app(), RegistryCredentials.ANONYMOUS,
                    LAYER_BLOB, store, DownloadProgress.NONE)));
            thread.start();
            threads.add(thread);
        }
        // One thread downloads (blocked reading the body); the four others wait for its result.
        await().until(() -> registry.count(path) == 1 && threads.stream()
                .filter(t -> t.getState() == Thread.State.TIMED_WAITING || t.getState() == Thread.State.WAITING)
                .count() >= 4);

        release.countDown();
        for (Thread thread : threads) {
            thread.join(10_000);
        }

        assertThat(results).hasSize(5).containsOnly(new BlobInfo(LAYER_DIGEST, LAYER.length));
        assertThat(registry.count(path)).isEqualTo(1);
        assertThat(store.readAll(LAYER_DIGEST, LAYER.length)).isEqualTo(LAYER);
    }

    @Test
    void aBlobAlreadyStoredIsNotDownloaded() {
        store.ingest(LAYER_DIGEST, LAYER.length, sink -> sink.write(LAYER));

        client(Duration.ofSeconds(30)).fetchBlob(app(), RegistryCredentials.ANONYMOUS, LAYER_BLOB, store,
                DownloadProgress.NONE);

        assertThat(registry.requests()).isEmpty();
    }

    @Test
    void aBlobLargerThanDeclaredIsRefusedEarly() {
        byte[] bigger = (new String(LAYER, UTF_8) + "extra").getBytes(UTF_8);
        registry.route("/v2/library/app/blobs/" + LAYER_DIGEST, exchange -> FakeRegistry.send(exchange, 200, bigger));

        assertThatThrownBy(() -> client(Duration.ofSeconds(30)).fetchBlob(app(), RegistryCredentials.ANONYMOUS,
                LAYER_BLOB, store, DownloadProgress.NONE))
                .hasMessageContaining("announced " + bigger.length + " bytes");
        assertThat(Files.exists(dir.resolve("root/content/blobs/sha256/" + LAYER_DIGEST.hex()))).isFalse();
    }

    private void awaitRelease() throws IOException {
        try {
            release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}

package io.berth.server.image.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.InvalidArgumentException;
import io.berth.server.image.content.Digest;
import io.berth.server.image.reference.ImageReference;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageStoreTest {
    @TempDir
    Path dir;
    ImageStore store;

    @BeforeEach
    void open() throws Exception {
        store = new ImageStore(dir, Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));
    }

    private static Digest digest(String seed) {
        return Digest.sha256Of(seed.getBytes(StandardCharsets.UTF_8));
    }

    static ImageMetadata metadata(String seed, String user) {
        ImageConfig config = new ImageConfig("linux", "amd64", user, List.of("PATH=/bin"), List.of("/bin/sh"),
                List.of("-c", "true"), "/", "SIGQUIT", Map.of("a", "b"), List.of("80/tcp"),
                List.of(digest(seed + "-layer").toString()));
        return new ImageMetadata(digest(seed).toString(), List.of(digest(seed + "-blob").toString()), 123, config,
                "2026-01-01T00:00:00Z");
    }

    private StoredImage pull(String seed, String reference) {
        return store.recordPull(metadata(seed, ""), ImageReference.parse(reference), digest(seed + "-manifest"),
                List.of(digest(seed + "-manifest").toString()));
    }

    @Test
    void anImageRecordWrittenBeforeTheVersionedEnvelopeReadsToTheRecordThatWasStored() throws Exception {
        String id = "sha256:" + "a".repeat(64);
        String manifest = "sha256:" + "b".repeat(64);
        Path records = Files.createDirectories(dir.resolve("v1"));
        try (InputStream fixture = getClass().getResourceAsStream("record-v1.json")) {
            Files.copy(fixture, records.resolve(id + ".json"));
        }

        StoredImage read = new ImageStore(records, Clock.systemUTC()).byId(id).orElseThrow();

        ImageConfig config = new ImageConfig("linux", "amd64", "", List.of("PATH=/bin"), List.of(), List.of("sh"), "",
                "", Map.of("org.opencontainers.image.title", "busybox"), List.of("80/tcp"),
                List.of("sha256:" + "d".repeat(64)));
        assertThat(read).isEqualTo(new StoredImage(
                new ImageMetadata(id, List.of("sha256:" + "e".repeat(64)), 2_200_000, config, "2026-11-29T18:00:00Z"),
                new ImageRefStatus(List.of("docker.io/library/busybox:latest"),
                        List.of("docker.io/library/busybox@" + manifest),
                        List.of(manifest), false, "2026-11-29T18:00:00Z")));
    }

    @Test
    void findsAnImageByIdPrefixNormalizedTagAndDigestReference() {
        StoredImage image = pull("one", "busybox");
        String hex = image.id().substring("sha256:".length());
        assertThat(image.repoTags()).containsExactly("docker.io/library/busybox:latest");
        assertThat(image.repoDigests()).containsExactly("docker.io/library/busybox@" + digest("one-manifest"));
        for (String name : List.of(image.id(), hex, hex.substring(0, 12), "sha256:" + hex.substring(0, 8),
                "busybox", "busybox:latest", "library/busybox", "docker.io/library/busybox:latest",
                "index.docker.io/library/busybox", "busybox@" + digest("one-manifest"))) {
            assertThat(store.find(name)).as(name).map(StoredImage::id).contains(image.id());
        }
        for (String name : List.of("busybox:other", "alpine", "busybox@" + digest("nope"), "Not A Ref", "fff0")) {
            assertThat(store.find(name)).as(name).isEmpty();
        }
    }

    @Test
    void pullingATagThatPointsElsewhereMovesItAndTheOldImageStaysListed() {
        StoredImage old = pull("old", "app:1");
        pull("old", "app:stable");
        StoredImage fresh = pull("new", "app:1");

        assertThat(store.find("app:1")).map(StoredImage::id).contains(fresh.id());
        assertThat(store.byId(old.id()).orElseThrow().repoTags()).containsExactly("docker.io/library/app:stable");
        pull("new", "app:stable");
        assertThat(store.byId(old.id()).orElseThrow().repoTags()).isEmpty();
        assertThat(store.list()).extracting(StoredImage::id).containsExactlyInAnyOrder(old.id(), fresh.id());
    }

    @Test
    void recordsSurviveReopeningAndKeepTheParsedConfig() throws Exception {
        StoredImage image = pull("one", "registry.local:5000/team/app:v1");
        ImageStore reopened = new ImageStore(dir, Clock.systemUTC());
        StoredImage again = reopened.find("registry.local:5000/team/app:v1").orElseThrow();
        assertThat(again).isEqualTo(image);
        assertThat(again.config().stopSignal()).isEqualTo("SIGQUIT");
        assertThat(again.topSnapshotKey()).isEqualTo(again.config().diffIds().get(0));
    }

    @Test
    void aTagOnTwoImagesAfterACrashStaysOnTheMoreRecentlyUpdatedOne() throws Exception {
        ImageStore early = new ImageStore(dir, Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));
        StoredImage a = early.recordPull(metadata("a", ""), ImageReference.parse("app"), digest("am"), List.of());
        // Two instances on one dir make the crash window: "late" moves the tag to b, then "early", which
        // never saw the move, rewrites a with its stale tag list, as if the move's second write was lost.
        ImageStore late = new ImageStore(dir, Clock.fixed(Instant.parse("2026-01-02T00:00:00Z"), ZoneOffset.UTC));
        StoredImage b = late.recordPull(metadata("b", ""), ImageReference.parse("app"), digest("bm"), List.of());
        early.recordPull(metadata("a", ""), ImageReference.parse("other"), digest("am"), List.of());

        ImageStore reopened = new ImageStore(dir, Clock.systemUTC());
        assertThat(reopened.find("app")).map(StoredImage::id).contains(b.id());
        assertThat(reopened.byId(a.id()).orElseThrow().repoTags()).containsExactly("docker.io/library/other:latest");
    }

    @Test
    void anAmbiguousIdPrefixIsRefused() {
        for (int i = 0; i < 40; i++) {
            pull("many-" + i, "app:" + i);
        }
        String shared = store.list().stream().map(StoredImage::id).map(id -> id.substring(7, 8))
                .filter(p -> store.list().stream().filter(i -> i.id().startsWith("sha256:" + p)).count() > 1)
                .findFirst().orElseThrow();
        assertThatThrownBy(() -> store.find(shared)).isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("give more of the id");
    }

    @Test
    void untagAndDelete() {
        StoredImage image = pull("one", "app:1");
        pull("one", "app:2");
        assertThat(store.untag(image.id(), "docker.io/library/app:1").repoTags())
                .containsExactly("docker.io/library/app:2");
        store.delete(image.id());
        store.delete(image.id());
        assertThat(store.list()).isEmpty();
    }
}

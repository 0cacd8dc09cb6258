package io.berth.e2e.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import io.berth.cri.v1.FilesystemUsage;
import io.berth.cri.v1.Image;
import io.berth.cri.v1.ImageFilter;
import io.berth.cri.v1.ImageFsInfoRequest;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.ImageStatusRequest;
import io.berth.cri.v1.ImageStatusResponse;
import io.berth.cri.v1.ListImagesRequest;
import io.berth.cri.v1.PullImageRequest;
import io.berth.cri.v1.PullImageResponse;
import io.berth.cri.v1.RemoveImageRequest;
import io.berth.e2e.fixtures.LayerBuilder;
import io.berth.e2e.fixtures.LayerBuilder.Compression;
import io.berth.e2e.fixtures.RegistryProcess;
import io.berth.e2e.fixtures.TestImage;
import io.berth.e2e.harness.BerthdOptions;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.CriClient;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.harness.ScratchDir;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Pull, status, list, remove and ImageFsInfo against Debian's docker-registry, configured through hosts.toml. */
class ImagePullE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static RegistryProcess registry;
    private static RegistryHosts hosts;
    private static BerthdProcess shared;
    private static CriClient client;
    private static String host;
    private static TestImage app;
    private static String appDigest;
    private static TestImage named;
    private static TestImage mixed;
    private static TestImage amd64;
    private static String indexDigest;

    @BeforeAll
    static void pushImagesAndStartBerthd() throws Exception {
        E2eSettings.assumeOwnBerthd();
        ScratchDir scratch = daemons.scratchDir("images-pull");
        registry = RegistryProcess.start(scratch.resolve("registry"));
        host = registry.host();
        hosts = new RegistryHosts(scratch.resolve("etc-berth")).plainHttp(host);

        app = TestImage.builder().layer(new LayerBuilder().busybox("sh", "ls").build(Compression.GZIP))
                .user("1000:1000").cmd("sh").build();
        appDigest = registry.pusher().push("app", "v1", app);
        registry.pusher().push("app", "v2", app);
        named = TestImage.builder().layer(new LayerBuilder().file("etc/motd", 0644, "named").build(Compression.GZIP))
                .user("nobody").build();
        registry.pusher().push("named", "v1", named);
        mixed = TestImage.builder()
                .layer(new LayerBuilder().file("gz.txt", 0644, "gzip").build(Compression.GZIP))
                .layer(new LayerBuilder().file("zst.txt", 0644, "zstd").build(Compression.ZSTD))
                .layer(new LayerBuilder().file("raw.txt", 0644, "plain").build(Compression.NONE))
                .build();
        registry.pusher().push("mixed", "v1", mixed);
        amd64 = TestImage.builder().layer(new LayerBuilder().file("arch", 0644, "amd64").build(Compression.GZIP)).build();
        TestImage arm64 = TestImage.builder().platform("linux", "arm64")
                .layer(new LayerBuilder().file("arch", 0644, "arm64").build(Compression.GZIP)).build();
        Map<String, TestImage> platforms = new LinkedHashMap<>();
        platforms.put("linux/arm64/v8", arm64);
        platforms.put("linux/amd64", amd64);
        indexDigest = registry.pusher().pushIndex("multi", "latest", TestImage.index(platforms), arm64, amd64);

        shared = daemons.startBerthd(BerthdOptions.defaults().withConfig(hosts.config()));
        client = shared.client();
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    static PullImageResponse pull(CriClient to, String image) {
        return to.images().withDeadlineAfter(60, TimeUnit.SECONDS)
                .pullImage(PullImageRequest.newBuilder().setImage(spec(image)).build());
    }

    static ImageSpec spec(String image) {
        return ImageSpec.newBuilder().setImage(image).build();
    }

    static ImageStatusResponse status(CriClient to, String image) {
        return to.images().imageStatus(ImageStatusRequest.newBuilder().setImage(spec(image)).build());
    }

    @Test
    void pullByTagAndByDigestGiveOneImageWithTagsDigestsSizeAndUid() {
        assertThat(pull(client, host + "/app:v1").getImageRef()).isEqualTo(app.id());
        assertThat(pull(client, host + "/app@" + appDigest).getImageRef()).isEqualTo(app.id());

        Image image = status(client, host + "/app@" + appDigest).getImage();
        assertThat(image.getId()).isEqualTo(app.id());
        assertThat(image.getRepoTagsList()).contains(host + "/app:v1");
        assertThat(image.getRepoDigestsList()).containsExactly(host + "/app@" + appDigest);
        assertThat(image.getSize()).isGreaterThan(app.layers().get(0).blob().size());
        assertThat(image.hasUid()).isTrue();
        assertThat(image.getUid().getValue()).isEqualTo(1000);
        assertThat(image.getUsername()).isEmpty();
        assertThat(image.getPinned()).isFalse();
    }

    @Test
    void aRuntimeHandlerMustBeConfiguredAndItsImagesAreAnsweredUnderIt() {
        // kubelet's RuntimeClassInImageCriApi: every image call names the pod's runtime handler.
        ImageSpec forRunc = ImageSpec.newBuilder().setImage(host + "/app:v1").setRuntimeHandler("runc").build();
        assertThat(client.images().withDeadlineAfter(60, TimeUnit.SECONDS).pullImage(PullImageRequest.newBuilder()
                .setImage(forRunc).build()).getImageRef()).isEqualTo(app.id());
        Image image = client.images().imageStatus(ImageStatusRequest.newBuilder().setImage(forRunc).build())
                .getImage();
        assertThat(image.getId()).isEqualTo(app.id());
        assertThat(image.getSpec().getRuntimeHandler()).isEqualTo("runc");
        assertThat(client.images().listImages(ListImagesRequest.newBuilder().setFilter(ImageFilter.newBuilder()
                .setImage(forRunc)).build()).getImagesList()).extracting(i -> i.getSpec().getRuntimeHandler())
                .containsExactly("runc");

        ImageSpec forKata = forRunc.toBuilder().setRuntimeHandler("kata").build();
        for (Runnable call : List.<Runnable>of(
                () -> client.images().pullImage(PullImageRequest.newBuilder().setImage(forKata).build()),
                () -> client.images().imageStatus(ImageStatusRequest.newBuilder().setImage(forKata).build()),
                () -> client.images().listImages(ListImagesRequest.newBuilder().setFilter(ImageFilter.newBuilder()
                        .setImage(forKata)).build()),
                () -> client.images().removeImage(RemoveImageRequest.newBuilder().setImage(forKata).build()))) {
            assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                assertThat(e.getStatus().getDescription()).contains("runtime_handler 'kata' is not configured")
                        .contains("runc");
            });
        }
        // The refused removal took nothing away.
        assertThat(status(client, host + "/app:v1").getImage().getId()).isEqualTo(app.id());
    }

    @Test
    void aNamedUserIsReportedAsUsernameAndVerboseStatusCarriesTheConfig() {
        pull(client, host + "/named:v1");
        ImageStatusResponse status = client.images().imageStatus(ImageStatusRequest.newBuilder()
                .setImage(spec(host + "/named:v1")).setVerbose(true).build());
        assertThat(status.getImage().getUsername()).isEqualTo("nobody");
        assertThat(status.getImage().hasUid()).isFalse();
        assertThat(status.getInfoMap().get("info")).contains("\"User\":\"nobody\"").contains("imageSpec");
    }

    @Test
    void referenceNormalizationTableThroughImageStatusAndListImages() {
        pull(client, host + "/app:v1");
        String hex = app.id().substring("sha256:".length());
        Map<String, Boolean> table = new LinkedHashMap<>();
        table.put(host + "/app:v1", true);
        table.put(host + "/app@" + appDigest, true);
        table.put(app.id(), true);
        table.put(hex, true);
        table.put(hex.substring(0, 12), true);
        table.put(host + "/app", false);          // :latest, never pulled
        table.put("app:v1", false);               // docker.io/library/app:v1
        table.put("docker.io/library/app:v1", false);
        table.put(host + "/app:v3", false);
        table.put("NotAReference!", false);
        table.forEach((reference, found) -> {
            assertThat(status(client, reference).hasImage()).as("ImageStatus %s", reference).isEqualTo(found);
            List<Image> listed = client.images().listImages(ListImagesRequest.newBuilder()
                    .setFilter(ImageFilter.newBuilder().setImage(spec(reference))).build()).getImagesList();
            assertThat(listed).as("ListImages %s", reference).extracting(Image::getId)
                    .isEqualTo(found ? List.of(app.id()) : List.of());
        });
    }

    @Test
    void removeByTagUntagsWhileOtherTagsRemainThenRemovesAndIsIdempotent() {
        pull(client, host + "/named:v1");
        pull(client, host + "/app:v1");
        pull(client, host + "/app:v2");

        remove(host + "/app:v1");
        Image kept = status(client, host + "/app:v2").getImage();
        assertThat(kept.getId()).isEqualTo(app.id());
        assertThat(kept.getRepoTagsList()).containsExactly(host + "/app:v2");
        assertThat(status(client, host + "/app:v1").hasImage()).isFalse();

        remove(host + "/app:v2");
        assertThat(status(client, app.id()).hasImage()).isFalse();
        remove(host + "/app:v2");
        remove(app.id());
        assertThat(status(client, host + "/named:v1").hasImage()).as("other images stay").isTrue();
    }

    private static void remove(String image) {
        client.images().removeImage(RemoveImageRequest.newBuilder().setImage(spec(image)).build());
    }

    @Test
    void gzipZstdAndUncompressedLayersAreUnpacked() throws Exception {
        assertThat(pull(client, host + "/mixed:v1").getImageRef()).isEqualTo(mixed.id());
        Path snapshots = shared.root().resolve("snapshots");
        for (String file : List.of("gz.txt", "zst.txt", "raw.txt")) {
            try (var found = Files.find(snapshots, 3, (p, a) -> p.getFileName().toString().equals(file))) {
                assertThat(found.toList()).as(file).hasSize(1);
            }
        }
    }

    @Test
    void aMultiArchIndexResolvesToTheLinuxAmd64Image() {
        assertThat(pull(client, host + "/multi:latest").getImageRef()).isEqualTo(amd64.id());
        assertThat(status(client, host + "/multi").getImage().getRepoDigestsList())
                .containsExactly(host + "/multi@" + indexDigest);
    }

    @Test
    void fiveConcurrentPullsIntoAFreshDaemonDownloadEveryBlobExactlyOnce() throws Exception {
        try (CountingProxy proxy = new CountingProxy(registry.url())) {
            hosts.plainHttp(proxy.host());
            CriClient fresh = daemons.startBerthd(BerthdOptions.defaults().withConfig(hosts.config())).client();
            List<ListenableFuture<PullImageResponse>> pulls = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                pulls.add(fresh.imagesAsync().withDeadlineAfter(60, TimeUnit.SECONDS).pullImage(
                        PullImageRequest.newBuilder().setImage(spec(proxy.host() + "/mixed:v1")).build()));
            }
            for (ListenableFuture<PullImageResponse> p : pulls) {
                assertThat(p.get().getImageRef()).isEqualTo(mixed.id());
            }
            for (LayerBuilder.Layer layer : mixed.layers()) {
                assertThat(proxy.count("GET", "/v2/mixed/blobs/" + layer.blob().digest())).isEqualTo(1);
            }
            assertThat(proxy.count("GET", "/v2/mixed/blobs/" + mixed.config().digest())).isEqualTo(1);
            assertThat(fresh.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()).hasSize(1);
        }
    }

    @Test
    void imageFsInfoReportsTheSnapshotRootAndAgreesWithDu() throws Exception {
        BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults().withConfig(hosts.config()));
        FilesystemUsage before = berthd.client().images().imageFsInfo(ImageFsInfoRequest.getDefaultInstance())
                .getImageFilesystems(0);
        pull(berthd.client(), host + "/app:v1");
        var info = berthd.client().images().imageFsInfo(ImageFsInfoRequest.getDefaultInstance());
        FilesystemUsage after = info.getImageFilesystems(0);

        Path snapshots = berthd.root().resolve("snapshots");
        assertThat(after.getFsId().getMountpoint()).isEqualTo(snapshots.toString());
        assertThat(info.getContainerFilesystemsList()).hasSize(1);
        long busybox = Files.size(Path.of("/bin/busybox"));
        assertThat(after.getUsedBytes().getValue() - before.getUsedBytes().getValue()).isGreaterThanOrEqualTo(busybox);
        assertThat(after.getInodesUsed().getValue()).isGreaterThan(before.getInodesUsed().getValue());
        long du = Du.apparentBytes(snapshots);
        assertThat(after.getUsedBytes().getValue()).isBetween((long) (du * 0.95), (long) (du * 1.05));
        assertThat(after.getInodesUsed().getValue()).isEqualTo(Du.inodes(snapshots));
        long nowNanos = System.currentTimeMillis() * 1_000_000L;
        assertThat(after.getTimestamp()).isBetween(nowNanos - 60_000_000_000L, nowNanos + 1_000_000_000L);
    }

    @Test
    void imagesTagsAndSnapshotsSurviveKill9AndLeftoversAreCleaned() throws Exception {
        BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults().withConfig(hosts.config()));
        pull(berthd.client(), host + "/app:v1");
        pull(berthd.client(), host + "/mixed:v1");
        List<Image> before = berthd.client().images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList();
        List<Path> snapshots = ImageState.snapshotDirs(berthd);
        berthd.kill9();
        // What a crash in the middle of a download leaves in ingest.
        Files.writeString(berthd.root().resolve("content/ingest/sha256-interrupted"), "half a layer");

        berthd.restart();

        assertThat(berthd.client().images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList())
                .containsExactlyInAnyOrderElementsOf(before);
        assertThat(status(berthd.client(), host + "/app:v1").getImage().getUid().getValue()).isEqualTo(1000);
        assertThat(ImageState.snapshotDirs(berthd)).containsExactlyInAnyOrderElementsOf(snapshots);
        assertThat(ImageState.ingest(berthd)).isEmpty();
        assertThat(pull(berthd.client(), host + "/app:v1").getImageRef()).isEqualTo(app.id());
    }
}

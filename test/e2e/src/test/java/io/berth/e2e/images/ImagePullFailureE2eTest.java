package io.berth.e2e.images;

import static io.berth.e2e.images.ImagePullE2eTest.pull;
import static io.berth.e2e.images.ImagePullE2eTest.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.berth.cri.v1.AuthConfig;
import io.berth.cri.v1.PullImageRequest;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way a pull can go wrong gives a clear error and leaves nothing behind: no image, no snapshot, no
 * blob, nothing in ingest, and nothing written outside berth's root however the layer is crafted.
 */
class ImagePullFailureE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static ScratchDir scratch;
    private static RegistryProcess registry;
    private static ScriptedRegistry scripted;
    private static RegistryHosts hosts;
    private static BerthdProcess berthd;
    private static Path outside;
    private static Path secret;

    @BeforeAll
    static void start() throws Exception {
        E2eSettings.assumeOwnBerthd();
        scratch = daemons.scratchDir("images-fail");
        outside = scratch.resolve("outside");
        secret = scratch.write("secret", "do not link me");
        registry = RegistryProcess.start(scratch.resolve("registry"));
        scripted = new ScriptedRegistry();
        hosts = new RegistryHosts(scratch.resolve("etc-berth")).plainHttp(registry.host()).plainHttp(scripted.host());
        berthd = daemons.startBerthd(BerthdOptions.defaults()
                .withConfig(hosts.config("stall_timeout_seconds = 2", "max_concurrent_downloads = 2")));
    }

    @AfterAll
    static void stop() {
        if (scripted != null) {
            scripted.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    /** From a snapshot root, up past / and down to {@code target}: a relative path that climbs out. */
    private static String climbTo(Path target) {
        return "../".repeat(40) + target.toString().substring(1);
    }

    static Stream<Arguments> hostileLayers() {
        return Stream.of(
                Arguments.of("dotdot", List.of(new LayerBuilder().file("usr/../../../dotdot", 0644, "x")),
                        "usr/../../../dotdot"),
                Arguments.of("relative-symlink", List.of(new LayerBuilder().symlink("escape", climbTo(outside))
                        .file("escape/relative", 0644, "x")), "escape/relative"),
                Arguments.of("absolute-symlink", List.of(new LayerBuilder().symlink("up", "/" + climbTo(outside))
                        .file("up/absolute", 0644, "x")), "up/absolute"),
                Arguments.of("hardlink", List.of(new LayerBuilder().hardlink("stolen", climbTo(secret))), "stolen"),
                Arguments.of("whiteout", List.of(new LayerBuilder().dir("a", 0755).whiteout("a", "..")), "a/.wh.."),
                Arguments.of("planted-symlink", List.of(new LayerBuilder().symlink("lib", climbTo(outside)),
                        new LayerBuilder().file("lib/planted.so", 0644, "x")), "lib/planted.so"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileLayers")
    void aHostileLayerIsRefusedNamingTheEntryAndNothingIsCreatedOutside(String name, List<LayerBuilder> layers,
            String entry) throws Exception {
        TestImage.Builder image = TestImage.builder()
                .layer(new LayerBuilder().file("etc/base", 0644, name).build(Compression.GZIP));
        layers.forEach(l -> image.layer(l.build(Compression.GZIP)));
        registry.pusher().push("hostile-" + name, "v1", image.build());

        StatusRuntimeException e = pullFails(registry.host() + "/hostile-" + name + ":v1");

        assertThat(e.getStatus().getCode()).isIn(Status.Code.INVALID_ARGUMENT, Status.Code.FAILED_PRECONDITION);
        assertThat(e.getStatus().getDescription()).contains(entry).contains("hostile-" + name).contains("layer");
        assertThat(outside).doesNotExist();
        String leaf = Path.of(entry).getFileName().toString();
        for (Path tree : List.of(scratch.path(), berthd.dir().path())) {
            try (Stream<Path> found = Files.find(tree, 64, (p, a) -> p.getFileName().toString().equals(leaf))) {
                assertThat(found).as("%s anywhere under %s", leaf, tree).isEmpty();
            }
        }
        assertThat(secret).hasContent("do not link me");
        assertThat(Files.getAttribute(secret, "unix:nlink")).isEqualTo(1);
        ImageState.assertEmpty(berthd);
    }

    @Test
    void aConfigWhoseDiffIdDoesNotMatchTheLayerIsRefused() throws Exception {
        LayerBuilder.Layer real = new LayerBuilder().file("real", 0644, "real").build(Compression.GZIP);
        LayerBuilder.Layer claimed = new LayerBuilder().file("claimed", 0644, "claimed").build(Compression.GZIP);
        registry.pusher().push("liar", "v1", TestImage.builder().layer(real).diffIds(List.of(claimed.diffId())).build());

        StatusRuntimeException e = pullFails(registry.host() + "/liar:v1");

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).contains("diffID").contains(claimed.diffId()).contains("liar");
        ImageState.assertEmpty(berthd);
    }

    @Test
    void aThirdLayerWithAWrongDiffIdFailsThePullWhileOtherLayersUnpackAndLeavesNothing() throws Exception {
        List<LayerBuilder.Layer> layers = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            layers.add(i == 3 ? new LayerBuilder().file("three", 0644, "three").build(Compression.GZIP)
                    : filesLayer("layer" + i, 400, 16 * 1024, i));
        }
        List<String> claimed = new ArrayList<>(layers.stream().map(LayerBuilder.Layer::diffId).toList());
        claimed.set(2, layers.get(0).diffId());
        TestImage.Builder image = TestImage.builder().diffIds(claimed);
        layers.forEach(image::layer);
        registry.pusher().push("third-liar", "v1", image.build());

        StatusRuntimeException e = pullFails(registry.host() + "/third-liar:v1");

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).contains("third-liar").contains("layer 3/5").contains("diffID");
        ImageState.assertEmpty(berthd);
        String root = berthd.root().toString();
        assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo"))).noneMatch(line -> line.contains(root));
    }

    /** A layer of {@code files} files of incompressible bytes, so that it takes a while to download and unpack. */
    private static LayerBuilder.Layer filesLayer(String dir, int files, int bytes, long seed) {
        Random random = new Random(seed);
        LayerBuilder layer = new LayerBuilder();
        for (int i = 0; i < files; i++) {
            byte[] content = new byte[bytes];
            random.nextBytes(content);
            layer.file(dir + "/f" + i, 0644, content);
        }
        return layer.build(Compression.GZIP);
    }

    static Stream<Arguments> brokenRegistries() {
        return Stream.of(
                Arguments.of("tampered", Status.Code.FAILED_PRECONDITION, "digest"),
                Arguments.of("truncated", Status.Code.UNAVAILABLE, "broke off"),
                Arguments.of("stalled", Status.Code.DEADLINE_EXCEEDED, "stalled"),
                Arguments.of("missing", Status.Code.NOT_FOUND, "not found"),
                Arguments.of("broken", Status.Code.UNAVAILABLE, "500"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenRegistries")
    void aMisbehavingRegistryGivesAClearErrorAndLeavesNoPartialState(String kind, Status.Code code, String detail)
            throws Exception {
        String repository = "case-" + kind;
        switch (kind) {
            case "tampered" -> scripted.serve(repository, ScriptedRegistry::tampered);
            case "truncated" -> scripted.serve(repository, ScriptedRegistry::truncated);
            case "stalled" -> scripted.serve(repository, scripted::stalled);
            case "missing" -> { }
            case "broken" -> scripted.failManifest(repository, 500);
            default -> throw new IllegalArgumentException(kind);
        }
        long start = System.nanoTime();

        StatusRuntimeException e = pullFails(scripted.host() + "/" + repository + ":v1");

        assertThat(e.getStatus().getCode()).isEqualTo(code);
        assertThat(e.getStatus().getDescription()).contains(repository).contains(scripted.host()).contains(detail);
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).as("well before any 5 min default")
                .isLessThan(30);
        ImageState.assertEmpty(berthd);
    }

    @Test
    void sigtermGivesAHangingPullTheGracePeriodAndNoMore() throws Exception {
        scripted.serve("case-shutdown", scripted::stalled);
        BerthdProcess own = daemons.startBerthd(BerthdOptions.defaults()
                .withConfig("shutdown_grace_seconds = 3\n" + hosts.config("stall_timeout_seconds = 300")));
        int stallingBefore = scripted.stallingRequests();
        try (CriClient puller = CriClient.connect(own.socket())) {
            var pull = puller.imagesAsync().pullImage(PullImageRequest.newBuilder()
                    .setImage(spec(scripted.host() + "/case-shutdown:v1")).build());
            await().atMost(Duration.ofSeconds(30)).until(() -> scripted.stallingRequests() > stallingBefore);

            long start = System.nanoTime();
            int exit = own.stopWith("TERM");
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(exit).isZero();
            assertThat(waitedMillis).as("the in-flight pull got its grace period").isGreaterThanOrEqualTo(2_500)
                    .as("and no more than that, plus the time to stop").isLessThan(15_000);
            assertThatThrownBy(() -> pull.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(StatusRuntimeException.class);
            assertThat(own.logText()).contains("in-flight calls get up to 3s");
        }
    }

    @Test
    void aBasicAuthRegistryRefusesAnonymousPullsAndServesWithCredentials() throws Exception {
        try (RegistryProcess locked = RegistryProcess.start(scratch.resolve("locked"), "puller", "s3cret")) {
            hosts.plainHttp(locked.host());
            TestImage image = TestImage.builder()
                    .layer(new LayerBuilder().file("private", 0644, "private").build(Compression.GZIP)).build();
            locked.pusher().push("private", "v1", image);
            BerthdProcess own = daemons.startBerthd(BerthdOptions.defaults().withConfig(hosts.config()));
            String ref = locked.host() + "/private:v1";

            StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> pull(own.client(), ref));
            assertThat(e.getStatus().getCode()).isIn(Status.Code.UNAUTHENTICATED, Status.Code.PERMISSION_DENIED);
            assertThat(e.getStatus().getDescription()).contains(locked.host()).contains("private");
            ImageState.assertEmpty(own);

            String id = own.client().images().withDeadlineAfter(60, TimeUnit.SECONDS).pullImage(PullImageRequest
                    .newBuilder().setImage(spec(ref))
                    .setAuth(AuthConfig.newBuilder().setUsername("puller").setPassword("s3cret")).build())
                    .getImageRef();
            assertThat(id).isEqualTo(image.id());
        }
    }

    private static StatusRuntimeException pullFails(String reference) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> pull(berthd.client(), reference));
        assertThat(e).as("pull of %s must fail", reference).isNotNull();
        return e;
    }

}

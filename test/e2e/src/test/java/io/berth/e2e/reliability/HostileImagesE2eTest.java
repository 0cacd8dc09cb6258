package io.berth.e2e.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.ContainerStatus;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.ImageStatusRequest;
import io.berth.cri.v1.ListImagesRequest;
import io.berth.cri.v1.PullImageRequest;
import io.berth.cri.v1.RemoveContainerRequest;
import io.berth.cri.v1.RemoveImageRequest;
import io.berth.cri.v1.VersionRequest;
import io.berth.e2e.fixtures.LayerBuilder;
import io.berth.e2e.fixtures.TestImage;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.pods.HostResidue;
import io.berth.e2e.pods.PodCalls;
import io.berth.e2e.pods.PodTestbed;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Images whose config is absurd but within the size berth reads (4 MiB), and images whose {@code User} is a path.
 * Each is pulled, looked at, run and removed, or refused at the first step that cannot be done, with a code the
 * caller can act on; berthd answers other calls meanwhile, and the node is left as it was.
 */
class HostileImagesE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static final Set<Status.Code> REFUSALS = Set.of(Status.Code.INVALID_ARGUMENT,
            Status.Code.FAILED_PRECONDITION, Status.Code.RESOURCE_EXHAUSTED, Status.Code.OUT_OF_RANGE,
            Status.Code.NOT_FOUND);
    /** A Version call while berthd works on such an image; it answers from memory. */
    private static final Duration CALL_BOUND = Duration.ofSeconds(2);

    private static PodTestbed testbed;
    private static PodCalls cri;
    private static LayerBuilder.Layer layer;

    @BeforeAll
    static void startBerthd() throws Exception {
        testbed = PodTestbed.start(daemons, "hi", 232);
        cri = testbed.cri();
        layer = new LayerBuilder().busybox("sh", "echo", "true", "sleep")
                .dir("etc", 0755)
                .file("etc/passwd", 0644, "root:x:0:0:root:/root:/bin/sh\n")
                .file("etc/group", 0644, "root:x:0:\n")
                .build(LayerBuilder.Compression.GZIP);
    }

    @AfterEach
    void removePodsAndCheckTheHost() {
        testbed.removeAllPods();
        testbed.assertNothingLeftOfAnyPod();
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (testbed != null) {
            testbed.close();
        }
    }

    static Stream<Arguments> absurdConfigs() {
        return Stream.of(
                absurd("20k Env entries", b -> b.env(IntStream.range(0, 20_000)
                        .mapToObj(i -> "VAR_" + i + "=" + "x".repeat(100)).toArray(String[]::new))),
                absurd("one Env value of 2 MiB", b -> b.env("BIG=" + "x".repeat(2 << 20))),
                absurd("100k Cmd arguments", b -> b.entrypoint("/bin/echo").cmd(IntStream.range(0, 100_000)
                        .mapToObj(i -> "arg" + i).toArray(String[]::new))),
                absurd("50k Labels", b -> b.labels(labels(50_000))),
                absurd("60k history entries", b -> b.history(IntStream.range(0, 60_000)
                        .mapToObj(i -> "RUN step " + i).toList())),
                absurd("a config over 4 MiB", b -> b.env("BIG=" + "x".repeat(5 << 20))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("absurdConfigs")
    void anAbsurdConfigIsRunOrRefusedAndLeavesNothing(String what, UnaryOperator<TestImage.Builder> absurdity)
            throws Exception {
        String image = push(what, absurdity.apply(TestImage.builder().layer(layer).entrypoint("/bin/true")));
        List<String> imagesBefore = imageIds();

        if (!accepted(what + ": pull", () -> testbed.berthd().client().images()
                .withDeadlineAfter(60, TimeUnit.SECONDS).pullImage(PullImageRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(image)).build()))) {
            assertThat(imageIds()).as("images after a refused pull").isEqualTo(imagesBefore);
            return;
        }
        testbed.berthd().client().images().imageStatus(ImageStatusRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(image)).setVerbose(true).build());
        testbed.berthd().client().images().listImages(ListImagesRequest.getDefaultInstance());

        String pod = cri.runPod("absurd");
        String[] container = new String[1];
        if (accepted(what + ": create", () -> container[0] = cri.create(pod, withImage("c", image)))) {
            Instant before = Instant.now();
            if (accepted(what + ": start", () -> cri.start(container[0]))) {
                ContainerStatus exited = cri.awaitExit(container[0]);
                System.out.printf("%s: started in %d ms, exited %d: %s %s%n", what,
                        Duration.between(before, Instant.now()).toMillis(), exited.getExitCode(),
                        exited.getReason(), exited.getMessage());
            }
            before = Instant.now();
            cri.runtime().version(VersionRequest.getDefaultInstance());
            assertThat(Duration.between(before, Instant.now())).as("a Version call after").isLessThan(CALL_BOUND);
            cri.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(container[0]).build());
        }
        testbed.berthd().client().images().removeImage(RemoveImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(image)).build());
        assertThat(imageIds()).as("images after removing %s", what).isEqualTo(imagesBefore);
    }

    static Stream<Arguments> userPaths() {
        return Stream.of(Arguments.of("../../x"), Arguments.of("/etc/passwd"), Arguments.of("root:../../x"),
                Arguments.of("../../../../../../etc/shadow:0"));
    }

    @ParameterizedTest(name = "User {0}")
    @MethodSource("userPaths")
    void aUserThatIsAPathIsRefusedAtCreate(String user) throws Exception {
        String image = push("user " + user, TestImage.builder().layer(layer).entrypoint("/bin/true").user(user));
        testbed.berthd().client().images().withDeadlineAfter(60, TimeUnit.SECONDS).pullImage(PullImageRequest
                .newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build());
        String pod = cri.runPod("user-path");
        HostResidue before = HostResidue.of(testbed);

        assertThatThrownBy(() -> cri.create(pod, withImage("c", image))).isInstanceOfSatisfying(
                StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).as("%s", e.getStatus()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("User", "not found in the image's");
                });
        HostResidue.awaitSameAs(before, testbed, "a User of " + user);
        testbed.berthd().client().images().removeImage(RemoveImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(image)).build());
    }

    /** True when {@code call} succeeded; false when refused as a caller can act on, with the reason. */
    private static boolean accepted(String what, Runnable call) {
        try {
            call.run();
            return true;
        } catch (StatusRuntimeException e) {
            System.out.printf("%s: %s%n", what, e.getStatus());
            assertThat(e.getStatus().getCode()).as("%s: %s", what, e.getStatus()).isIn(REFUSALS);
            assertThat(e.getStatus().getDescription()).as(what).isNotBlank().hasSizeLessThan(8192);
            return false;
        }
    }

    private static Arguments absurd(String what, UnaryOperator<TestImage.Builder> absurdity) {
        return Arguments.of(what, absurdity);
    }

    private static Map<String, String> labels(int count) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            labels.put("org.example.label-" + i, "value " + i);
        }
        return labels;
    }

    private static String push(String what, TestImage.Builder image) throws Exception {
        String tag = "t" + Integer.toHexString(what.hashCode());
        testbed.registry().pusher().push("hostile/image", tag, image.build());
        return testbed.registry().host() + "/hostile/image:" + tag;
    }

    private static ContainerConfig.Builder withImage(String name, String image) {
        return cri.container(name).setImage(ImageSpec.newBuilder().setImage(image));
    }

    private static List<String> imageIds() {
        return testbed.berthd().client().images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()
                .stream().map(i -> i.getId()).sorted().toList();
    }
}

package io.berth.e2e.pods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.FilesystemUsage;
import io.berth.cri.v1.ImageFsInfoRequest;
import io.berth.cri.v1.ImageFsInfoResponse;
import io.berth.cri.v1.ImageServiceGrpc.ImageServiceBlockingStub;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.PullImageRequest;
import io.berth.e2e.harness.E2eDaemons;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * kubelet builds its image manager only once ImageFsInfo has answered, and asks again every few seconds. While a
 * container creates and deletes files in its writable layer (inside the snapshot tree that ImageFsInfo walks) as
 * fast as it can, every one of many ImageFsInfo calls must succeed with sane figures. Each call is preceded by a
 * PullImage of the pulled tag, which drops berthd's cached figure, so every call really walks the churning tree.
 */
class ImageFsInfoChurnE2eTest {
    @RegisterExtension
    @Order(1)
    static final E2eDaemons daemons = new E2eDaemons();

    /** Registered after the daemons, so its after-callbacks run before theirs. */
    @RegisterExtension
    @Order(2)
    static final PodSuite suite = new PodSuite(daemons, "fs", 224);

    private static final int CALLS = 200;
    private static final Duration ALL_CALLS_WITHIN = Duration.ofMinutes(3);
    private static final String CHURN =
            "echo churning; while true; do for i in $(seq 200); do echo x > /f$i; done; rm -f /f*; done";

    private static PodCalls cri() {
        return suite.cri();
    }

    @Test
    void everyImageFsInfoSucceedsWhileAContainerCreatesAndDeletesFilesUnderTheWalk() {
        Path snapshots = suite.testbed().berthd().root().resolve("snapshots");
        String pod = cri().runPod("churn");
        String churn = cri().run(pod, cri().shell("churn", CHURN));
        cri().awaitOutput(churn, "churning");
        // The churn is inside the measured tree: its files show up in the container's upper dir there.
        await().atMost(PodCalls.EXIT_TIMEOUT).until(() -> churnFilesIn(snapshots) > 0);

        ImageServiceBlockingStub images = suite.testbed().berthd().client().images();
        PullImageRequest repull = PullImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(suite.testbed().image())).build();
        long startNanos = nowNanos();
        long deadline = System.nanoTime() + ALL_CALLS_WITHIN.toNanos();
        List<FilesystemUsage> answers = new ArrayList<>();
        int sawChurnFiles = 0;
        for (int i = 0; i < CALLS; i++) {
            assertThat(System.nanoTime()).as("%d of %d calls made within %s", i, CALLS, ALL_CALLS_WITHIN)
                    .isLessThan(deadline);
            images.withDeadlineAfter(60, TimeUnit.SECONDS).pullImage(repull);
            ImageFsInfoResponse info = images.withDeadlineAfter(30, TimeUnit.SECONDS)
                    .imageFsInfo(ImageFsInfoRequest.getDefaultInstance());
            long answeredNanos = nowNanos();

            assertThat(info.getImageFilesystemsList()).as("call %d: image_filesystems", i).hasSize(1);
            assertThat(info.getContainerFilesystemsList()).as("call %d: container_filesystems", i).hasSize(1);
            FilesystemUsage fs = info.getImageFilesystems(0);
            assertThat(fs.getFsId().getMountpoint()).as("call %d: mountpoint", i).isEqualTo(snapshots.toString());
            assertThat(fs.hasUsedBytes()).as("call %d: used_bytes set", i).isTrue();
            assertThat(fs.hasInodesUsed()).as("call %d: inodes_used set", i).isTrue();
            // uint64 on the wire: a negative Java long would be a wrapped-around figure.
            assertThat(fs.getUsedBytes().getValue()).as("call %d: used_bytes (the image at least)", i)
                    .isGreaterThan(0);
            assertThat(fs.getInodesUsed().getValue()).as("call %d: inodes_used", i).isGreaterThan(0);
            assertThat(fs.getTimestamp()).as("call %d: timestamp (ns since the epoch)", i)
                    .isBetween(startNanos - Duration.ofMinutes(1).toNanos(), answeredNanos + 1_000_000_000L);
            if (!answers.isEmpty()) {
                assertThat(fs.getTimestamp()).as("call %d: timestamps never go back", i)
                        .isGreaterThanOrEqualTo(answers.get(answers.size() - 1).getTimestamp());
            }
            answers.add(fs);
            if (churnFilesIn(snapshots) > 0) {
                sawChurnFiles++;
            }
        }

        assertThat(answers).hasSize(CALLS);
        TreeSet<Long> measuredAt = new TreeSet<>(answers.stream().map(FilesystemUsage::getTimestamp).toList());
        assertThat(measuredAt.size()).as("fresh walks among %d calls (each after a cache-dropping pull)", CALLS)
                .isGreaterThan(CALLS / 2);
        assertThat(sawChurnFiles).as("calls after which churn files were on disk").isPositive();
        assertThat(cri().status(churn).getState()).as("the churn kept going throughout")
                .isEqualTo(ContainerState.CONTAINER_RUNNING);
        long failedWalks = suite.testbed().berthd().logText().lines()
                .filter(line -> line.contains("could not measure")).count();
        System.out.printf("ImageFsInfo under churn: %d calls, %d distinct measurements, %d failed-walk warnings%n",
                CALLS, measuredAt.size(), failedWalks);

        cri().stop(churn, 0);
        assertThat(cri().awaitExit(churn).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
    }

    /** Files named f1..f200 in any snapshot's fs dir, as the churning container writes them. */
    private static long churnFilesIn(Path snapshots) {
        try (Stream<Path> dirs = Files.list(snapshots)) {
            long count = 0;
            for (Path fs : dirs.map(d -> d.resolve("fs")).toList()) {
                try (Stream<Path> files = Files.list(fs)) {
                    count += files.filter(f -> f.getFileName().toString().matches("f[0-9]+")).count();
                } catch (IOException gone) {
                    // A snapshot dir without fs, or one being made or removed.
                }
            }
            return count;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long nowNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}

package io.berth.e2e.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.CreateContainerRequest;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.ListContainersRequest;
import io.berth.cri.v1.ListImagesRequest;
import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.RemoveContainerRequest;
import io.berth.cri.v1.StartContainerRequest;
import io.berth.cri.v1.StopContainerRequest;
import io.berth.e2e.fixtures.LayerBuilder;
import io.berth.e2e.fixtures.TestImage;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.HostCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * berthd is stopped, its state damaged behind its back, and started again: a truncated sandbox record, a container
 * record that is not JSON, an image record that is not a record, a container whose bundle is gone, a blob whose
 * bytes no longer hash to its digest, and a layer snapshot whose dir was removed. berthd starts, says what it
 * found in one log line per damaged thing, drops what it cannot recover (with what it held on the host), and
 * everything else works: the other pod and its containers, the other images, and a new pull of each damaged one.
 */
class CorruptStateE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static RuntimeFaultTestbed testbed;

    @BeforeAll
    static void start() throws Exception {
        testbed = RuntimeFaultTestbed.start(daemons, "cs");
    }

    @AfterAll
    static void stop() {
        if (testbed != null) {
            testbed.close();
        }
    }

    @Test
    void berthdStartsOverDamagedStateDropsWhatItCannotReadAndKeepsEverythingElse() throws Exception {
        BerthdProcess berthd = testbed.berthd();
        TestImage recordImage = image("record");
        TestImage snapshotImage = image("snapshot");
        String recordRef = testbed.push("reliability/record", recordImage);
        String snapshotRef = testbed.push("reliability/snapshot", snapshotImage);
        RuntimeFaultTestbed.pull(berthd, recordRef);
        RuntimeFaultTestbed.pull(berthd, snapshotRef);

        String keptPod = testbed.runPod("kept", "runc");
        String running = run(keptPod, "running", "echo up; exec sleep 3600");
        String unreadable = run(keptPod, "unreadable", "exit 0");
        String bundleless = run(keptPod, "bundleless", "exit 0");
        testbed.awaitExit(unreadable);
        testbed.awaitExit(bundleless);
        String droppedPod = testbed.runPod("dropped", "runc");
        String orphaned = run(droppedPod, "orphaned", "exec sleep 3601");

        berthd.stop();
        Path root = berthd.root();
        truncate(root.resolve("sandboxes/" + droppedPod + ".json"));
        Files.writeString(root.resolve("containers/" + unreadable + ".json"), "{\"version\": 2, \"data\": {");
        String recordImageId = recordImage.id();
        Files.writeString(root.resolve("images/" + recordImageId + ".json"), "[]");
        deleteTree(berthd.state().resolve("containers/" + bundleless + "/bundle"));
        TestImage busybox = RuntimeFaultTestbed.busybox();
        Path blob = root.resolve("content/blobs/sha256/" + busybox.config().digest().substring("sha256:".length()));
        Files.write(blob, Arrays.copyOf(Files.readAllBytes(blob), (int) Files.size(blob) / 2));
        Path snapshot = snapshotDirOf(root.resolve("snapshots"), snapshotImage.layers().get(0).diffId());
        deleteTree(snapshot);

        berthd.restart();

        List<String> log = berthd.logText().lines().toList();
        assertOneLine(log, droppedPod, "sandbox record");
        assertOneLine(log, unreadable, "container record");
        assertOneLine(log, recordImageId, "image record");
        assertOneLine(log, busybox.config().digest(), "blob");
        assertOneLine(log, snapshotImage.id(), "lacks its layer snapshot");

        assertThat(testbed.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList())
                .extracting(p -> p.getId()).containsExactly(keptPod);
        assertThat(testbed.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList())
                .extracting(c -> c.getId()).containsExactlyInAnyOrder(running, bundleless);
        assertThat(testbed.status(running).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertThat(RuntimeFaultTestbed.processes("sleep 3601")).as("the container of the dropped pod").isEmpty();
        assertThat(testbed.mounts()).noneMatch(m -> m.contains(orphaned) || m.contains(unreadable)
                || m.contains(droppedPod.substring(0, 16)));

        testbed.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(running).build());
        testbed.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(bundleless).build());
        assertThat(berthd.client().images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList())
                .extracting(i -> i.getId()).contains(busybox.id()).doesNotContain(recordImageId);

        for (String image : List.of(testbed.image(), recordRef, snapshotRef)) {
            RuntimeFaultTestbed.pull(berthd, image);
            String id = run(keptPod, "after-" + image.substring(image.lastIndexOf('/') + 1).replace(':', '-'),
                    "echo ran", image);
            assertThat(testbed.awaitExit(id).getExitCode()).as("a container of %s", image).isZero();
        }
        assertThat(Files.readAllBytes(blob)).as("the damaged blob, fetched again").hasSize(
                busybox.config().bytes().length);
        testbed.removeAllPods();
        assertThat(testbed.cgroups()).as("cgroups of the pods and containers").isEmpty();
    }

    /** Exactly one line of berthd's log names {@code subject}, and says what it is. */
    private static void assertOneLine(List<String> log, String subject, String what) {
        assertThat(log.stream().filter(l -> l.contains(subject) && l.contains(what)).toList())
                .as("log lines about the damaged %s %s", what, subject).hasSize(1);
    }

    private static TestImage image(String marker) {
        return TestImage.builder()
                .layer(new LayerBuilder().busybox("sh", "echo").file("marker", 0644, marker)
                        .build(LayerBuilder.Compression.GZIP))
                .env("PATH=/bin")
                .build();
    }

    private static String run(String podId, String name, String script) {
        return run(podId, name, script, testbed.image());
    }

    private static String run(String podId, String name, String script, String image) {
        CreateContainerRequest request = testbed.container(podId, name, "", script);
        request = request.toBuilder().setConfig(request.getConfig().toBuilder()
                .setImage(ImageSpec.newBuilder().setImage(image))).build();
        String id = testbed.runtime().withDeadlineAfter(60, TimeUnit.SECONDS).createContainer(request)
                .getContainerId();
        testbed.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    private static void truncate(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
    }

    /** The snapshot dir whose record names the chain {@code chainId} (one layer: its diff id). */
    private static Path snapshotDirOf(Path snapshots, String chainId) throws IOException {
        try (Stream<Path> dirs = Files.list(snapshots)) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve("record.json")))
                    .filter(d -> read(d.resolve("record.json")).contains(chainId))
                    .findFirst().orElseThrow(() -> new IllegalStateException("no snapshot of chain " + chainId));
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) {
        HostCommands.run("rm", "-rf", "--one-file-system", dir.toString());
    }
}

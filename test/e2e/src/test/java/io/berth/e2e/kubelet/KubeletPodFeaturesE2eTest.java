package io.berth.e2e.kubelet;

import static io.berth.e2e.kubelet.KubeletPods.allRunning;
import static io.berth.e2e.kubelet.KubeletPods.awaitPod;
import static io.berth.e2e.kubelet.KubeletPods.containerStatus;
import static io.berth.e2e.kubelet.KubeletPods.podName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.cri.v1.StatusRequest;
import io.berth.e2e.critest.CritestImages;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.HostCommands;
import io.berth.e2e.harness.ScratchDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 18's pods under a real kubelet v1.37.2 on the packaged berthd. kubelet sends these pod features only when
 * berth's Status says it supports them (both gates are GA in 1.37), and refuses the pods otherwise:
 * <ul>
 * <li>{@code securityContext.supplementalGroupsPolicy: Strict}: uid 1000 of the predefined-group image is in group
 * 50000 by the image's /etc/group; under Strict {@code id -G} must not show it, under Merge (the default) it must.
 * <li>a hostPath volume mounted {@code readOnly} with {@code recursiveReadOnly: Enabled}: a tmpfs mounted below
 * the host dir is read-only in the container too. This one runs under a kubelet connected to an API server
 * ({@link ControlPlane}): kubelet asks its RuntimeClass manager which handler a pod gets, and a standalone kubelet
 * has none, so it refuses Enabled for every pod before calling the runtime, whatever the runtime reports
 * ({@code runtimeClassSupportsRecursiveReadOnlyMounts} in kubelet_pods.go).
 * </ul>
 */
class KubeletPodFeaturesE2eTest {
    static final String PREDEFINED_GROUP = CritestImages.STAGING + "test-image-predefined-group:latest";
    static final String IMAGE_GROUP = "50000";

    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static KubeletTestbed testbed;
    private static BerthdProcess berthd;

    @BeforeAll
    static void berthdWithMirroredImages() throws Exception {
        testbed = KubeletTestbed.start(daemons, "bke");
        berthd = testbed.berthd();
    }

    @AfterAll
    static void closeRegistryAndBridge() {
        if (testbed != null) {
            testbed.close();
        }
    }

    @Test
    void strictSupplementalGroupsPolicyLeavesOutTheImagesGroups() throws Exception {
        assertThat(berthd.client().runtime().status(StatusRequest.getDefaultInstance()).getFeatures()
                .getSupplementalGroupsPolicy()).as("berth's Status: supplemental_groups_policy").isTrue();
        try (KubeletProcess kubelet = KubeletProcess.start(berthd.socket())) {
            try {
                Files.writeString(kubelet.manifests().resolve("kl-groups-strict.yaml"),
                        groupsPod("kl-groups-strict", "Strict"));
                Files.writeString(kubelet.manifests().resolve("kl-groups-merge.yaml"),
                        groupsPod("kl-groups-merge", "Merge"));
                String strict = podName("kl-groups-strict");
                String merge = podName("kl-groups-merge");
                JsonNode strictPod = awaitPod(kubelet, strict, "running",
                        KubeletStaticPodE2eTest.POD_START_TIMEOUT, p -> allRunning(p, 1));
                awaitPod(kubelet, merge, "running", KubeletStaticPodE2eTest.POD_START_TIMEOUT, p -> allRunning(p, 1));

                List<String> strictGroups = groups(kubelet, strict);
                List<String> mergeGroups = groups(kubelet, merge);
                System.out.println("kubelet on berth: uid 1000 of the predefined-group image: id -G is " + strictGroups
                        + " under Strict, " + mergeGroups + " under Merge; kubelet's status user: "
                        + containerStatus(strictPod, "groups").orElseThrow().path("user"));
                assertThat(mergeGroups).as("id -G under Merge (the image's /etc/group counts)")
                        .contains(IMAGE_GROUP);
                assertThat(strictGroups).as("id -G under Strict").isNotEmpty().doesNotContain(IMAGE_GROUP);
                JsonNode user = containerStatus(strictPod, "groups").orElseThrow().path("user").path("linux");
                if (!user.isMissingNode()) {
                    assertThat(user.path("uid").asLong()).as("status user: %s", user).isEqualTo(1000);
                    assertThat(user.path("supplementalGroups").toString()).as("status user").doesNotContain(IMAGE_GROUP);
                }
            } catch (Throwable t) {
                System.err.println("======== kubelet log tail (" + kubelet.logFile() + ") ========\n"
                        + kubelet.logTail(200));
                throw t;
            }
        }
    }

    @Test
    void recursiveReadOnlyMountMakesTheSubmountReadOnlyToo() throws Exception {
        assertThat(berthd.client().runtime().status(StatusRequest.getDefaultInstance()).getRuntimeHandlersList())
                .as("berth's Status: the default handler's recursive_read_only_mounts")
                .anyMatch(h -> h.getName().isEmpty() && h.getFeatures().getRecursiveReadOnlyMounts());
        ScratchDir volume = daemons.scratchDir("kubelet-rro-");
        Path sub = Files.createDirectories(volume.resolve("sub"));
        Files.writeString(volume.resolve("top-marker"), "top-content\n");
        HostCommands.run("mount", "-t", "tmpfs", "-o", "size=1m", "berth-rro-test", sub.toString());
        try {
            assertThat(KubeletStaticPodE2eTest.mountsUnder(volume.path())).as("the tmpfs submount")
                    .contains(sub.toString());
            Files.writeString(sub.resolve("sub-marker"), "sub-content\n");
            try (ControlPlane controlPlane = ControlPlane.start(KubeletStaticPodE2eTest.NAMESPACE);
                    KubeletProcess kubelet = KubeletProcess.startConnected(berthd.socket(), controlPlane)) {
                try {
                    Files.writeString(kubelet.manifests().resolve("kl-rro.yaml"), rroPod("kl-rro", volume.path()));
                    String pod = podName("kl-rro");
                    JsonNode running = awaitPod(kubelet, pod, "running or refused by kubelet",
                            KubeletStaticPodE2eTest.POD_START_TIMEOUT, p -> allRunning(p, 1) || refusedAsRro(p));
                    assertThat(refusedAsRro(running)).as("kubelet refused recursiveReadOnly: Enabled: %s",
                            containerStatus(running, "rro").orElseThrow().path("state")).isFalse();
                    String log = await("the rro container's write attempts in its log")
                            .atMost(Duration.ofSeconds(60)).ignoreExceptions()
                            .until(() -> KubeletPods.get(kubelet, "/containerLogs/"
                                    + KubeletStaticPodE2eTest.NAMESPACE + "/" + pod + "/rro"),
                                    l -> l.contains("writes done"));
                    System.out.println("kubelet on berth: rro container log:\n" + log.strip()
                            + "\nstatus volumeMounts: " + containerStatus(running, "rro").orElseThrow()
                            .path("volumeMounts"));
                    assertThat(log).as("the submount and the top dir are visible")
                            .contains("sub-content").contains("top-content");
                    assertThat(log).as("a write into the tmpfs submount")
                            .contains("/data/sub/new: Read-only file system");
                    assertThat(log).as("a write into the top dir").contains("/data/new: Read-only file system");
                    assertThat(sub.resolve("new")).doesNotExist();
                    assertThat(volume.resolve("new")).doesNotExist();
                } catch (Throwable t) {
                    System.err.println("======== kubelet log tail (" + kubelet.logFile() + ") ========\n"
                            + kubelet.logTail(200) + "\n======== kube-apiserver log tail ========\n"
                            + controlPlane.logTail(60));
                    throw t;
                }
            }
        } finally {
            HostCommands.run("umount", sub.toString());
        }
    }

    /** One container of the predefined-group image as uid 1000 that prints its groups and keeps running. */
    static String groupsPod(String name, String policy) {
        return String.join("\n",
                "apiVersion: v1",
                "kind: Pod",
                "metadata:",
                "  name: " + name,
                "  namespace: " + KubeletStaticPodE2eTest.NAMESPACE,
                "spec:",
                "  terminationGracePeriodSeconds: 5",
                "  securityContext:",
                "    runAsUser: 1000",
                "    supplementalGroupsPolicy: " + policy,
                "  containers:",
                "  - name: groups",
                "    image: " + PREDEFINED_GROUP,
                "    imagePullPolicy: IfNotPresent",
                "    command: [\"sh\", \"-c\", \"echo groups: $(id -G); trap 'exit 0' TERM;"
                        + " while true; do sleep 1; done\"]",
                "");
    }

    /** busybox with {@code dir} mounted read-only, recursively, at /data; it tries to write into both levels. */
    static String rroPod(String name, Path dir) {
        return String.join("\n",
                "apiVersion: v1",
                "kind: Pod",
                "metadata:",
                "  name: " + name,
                "  namespace: " + KubeletStaticPodE2eTest.NAMESPACE,
                "spec:",
                "  terminationGracePeriodSeconds: 5",
                "  volumes:",
                "  - name: data",
                "    hostPath:",
                "      path: " + dir,
                "      type: Directory",
                "  containers:",
                "  - name: rro",
                "    image: " + KubeletStaticPodE2eTest.BUSYBOX,
                "    imagePullPolicy: IfNotPresent",
                "    volumeMounts:",
                "    - name: data",
                "      mountPath: /data",
                "      readOnly: true",
                "      recursiveReadOnly: Enabled",
                "    command: [\"sh\", \"-c\", \"cat /data/top-marker /data/sub/sub-marker;"
                        + " touch /data/sub/new 2>&1; touch /data/new 2>&1; echo writes done;"
                        + " trap 'exit 0' TERM; while true; do sleep 1; done\"]",
                "");
    }

    private static boolean refusedAsRro(JsonNode pod) {
        return containerStatus(pod, "rro").map(c -> c.path("state").path("waiting").path("message").asText()
                .contains("requested recursive read-only mode, but it is not supported by the runtime")).orElse(false);
    }

    /** The group ids the container printed ({@code groups: 1000 ...}). */
    private static List<String> groups(KubeletProcess kubelet, String pod) {
        String line = await(pod + "'s groups in its log").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> KubeletPods.get(kubelet, "/containerLogs/" + KubeletStaticPodE2eTest.NAMESPACE + "/"
                        + pod + "/groups").lines().filter(l -> l.startsWith("groups:")).findFirst().orElse(null),
                        l -> l != null);
        return Arrays.stream(line.substring("groups:".length()).trim().split("\\s+")).toList();
    }
}

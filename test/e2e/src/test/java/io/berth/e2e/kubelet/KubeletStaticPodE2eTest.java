package io.berth.e2e.kubelet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.cri.v1.ContainerFilter;
import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ListContainersRequest;
import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.PodSandbox;
import io.berth.cri.v1.PodSandboxState;
import io.berth.e2e.critest.CritestImages;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.HostCommands;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real kubelet, standalone, runs static pods on the packaged berthd (issue 14). Images come from the local
 * registry through berth's hosts.toml mirrors for registry.k8s.io, as in the critest suite.
 * <ul>
 * <li>Scenario 1: a static pod with an init container and two containers starts; kubelet's {@code /pods} shows its
 * status and {@code /containerLogs} each container's lines.
 * <li>Scenario 3: its manifest removed, the pod is stopped within its grace period and removed; nothing is left on
 * berth (sandboxes, containers, mounts, veths) nor in kubelet's pod cgroups.
 * <li>Scenario 8: kubelet restarted while the pod runs restarts none of its containers.
 * </ul>
 */
class KubeletStaticPodE2eTest {
    static final String BUSYBOX = CritestImages.E2E + "busybox:1.29-2";
    static final String NAMESPACE = "default";
    /** kubelet gives each pod this long to stop; the containers here exit on SIGTERM at once. */
    static final int GRACE_SECONDS = 30;
    /** The first pull of busybox, a sandbox and three containers on a slow, shared 2-core machine. */
    static final Duration POD_START_TIMEOUT = Duration.ofMinutes(3);
    /** kubelet's container GC, which removes a deleted pod's sandbox, runs once a minute. */
    static final Duration REMOVAL_TIMEOUT = Duration.ofMinutes(3);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static KubeletTestbed testbed;
    private static BerthdProcess berthd;

    @BeforeAll
    static void berthdWithMirroredImages() throws Exception {
        testbed = KubeletTestbed.start(daemons, "bkl");
        berthd = testbed.berthd();
    }

    @AfterAll
    static void closeRegistryAndBridge() {
        if (testbed != null) {
            testbed.close();
        }
    }

    @Test
    void staticPodRunsWithStatusAndLogsThenGoesAwayWithItsManifest() throws Exception {
        List<String> mountsBefore = mountsUnder(berthd.dir().path());
        try (KubeletProcess kubelet = KubeletProcess.start(berthd.socket())) {
            try {
                // Scenario 1.
                String pod = "kl-static";
                long written = System.nanoTime();
                Path manifest = Files.writeString(kubelet.manifests().resolve(pod + ".yaml"), manifest(pod));
                String podName = pod + "-" + KubeletProcess.NODE_NAME;
                JsonNode running = awaitRunning(kubelet, podName);
                Duration toRunning = Duration.ofNanos(System.nanoTime() - written);
                System.out.println("kubelet on berth: manifest written to pod running in " + toRunning.toMillis()
                        + " ms");
                JsonNode init = running.path("status").path("initContainerStatuses").get(0);
                assertThat(init.path("state").path("terminated").path("exitCode").asInt(-1)).as("init: %s", init)
                        .isZero();
                for (String container : List.of("init", "first", "second")) {
                    await(container + "'s log through kubelet's /containerLogs").atMost(Duration.ofSeconds(60))
                            .ignoreExceptions()
                            .until(() -> get(kubelet, "/containerLogs/" + NAMESPACE + "/" + podName + "/"
                                    + container), body -> body.contains(container + " line 1")
                                    && body.contains(container + " line 2"));
                }
                String uid = running.path("metadata").path("uid").asText();
                assertThat(kubelet.podCgroups()).as("kubelet's pod cgroups").anyMatch(p -> p.endsWith("pod" + uid));

                // Scenario 3.
                long removed = System.nanoTime();
                Files.delete(manifest);
                await("the pod's sandbox stopped within its grace period")
                        .atMost(Duration.ofSeconds(GRACE_SECONDS))
                        .until(() -> sandboxes().stream().noneMatch(s -> s.getState() == PodSandboxState.SANDBOX_READY));
                Duration toStopped = Duration.ofNanos(System.nanoTime() - removed);
                await("kubelet removes the pod from berth").atMost(REMOVAL_TIMEOUT)
                        .until(() -> sandboxes().isEmpty() && containers().isEmpty());
                Duration toRemoved = Duration.ofNanos(System.nanoTime() - removed);
                System.out.println("kubelet on berth: manifest removed to pod stopped in " + toStopped.toMillis()
                        + " ms, to pod removed in " + toRemoved.toMillis() + " ms");
                await("the pod gone from kubelet's /pods").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> findPod(kubelet, podName).isEmpty());
                await("kubelet removes the pod's cgroup").atMost(Duration.ofSeconds(60))
                        .until(() -> kubelet.podCgroups().stream().noneMatch(p -> p.endsWith("pod" + uid)));
                await("berth's mounts for the pod gone").atMost(Duration.ofSeconds(30))
                        .until(() -> mountsUnder(berthd.dir().path()), m -> m.equals(mountsBefore));
                assertThat(HostCommands.run("ip", "-o", "link", "show", "master", testbed.bridge().name()).trim())
                        .as("veths left on the pod bridge").isEmpty();
            } catch (Throwable t) {
                System.err.println("======== kubelet log tail (" + kubelet.logFile() + ") ========\n"
                        + kubelet.logTail(200));
                throw t;
            }
        }
    }

    @Test
    void kubeletRestartedWithThePodRunningRestartsNoContainer() throws Exception {
        try (KubeletProcess kubelet = KubeletProcess.start(berthd.socket())) {
            try {
                String pod = "kl-steady";
                Files.writeString(kubelet.manifests().resolve(pod + ".yaml"), manifest(pod));
                String podName = pod + "-" + KubeletProcess.NODE_NAME;
                Map<String, String> before = containerIds(awaitRunning(kubelet, podName));
                List<String> sandboxesBefore = sandboxes().stream().map(PodSandbox::getId).toList();
                assertThat(sandboxesBefore).hasSize(1);

                kubelet.restart();

                // After a restart kubelet has a status for the static pod only once it has synced it again.
                JsonNode after = awaitRunning(kubelet, podName);
                assertThat(containerIds(after)).as("container ids after kubelet's restart").isEqualTo(before);
                await("no container or sandbox restarted for a while after kubelet's restart")
                        .during(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(90)).ignoreExceptions()
                        .until(() -> {
                            JsonNode now = findPod(kubelet, podName).orElseThrow();
                            return containerIds(now).equals(before) && restartCounts(now) == 0
                                    && sandboxes().stream().map(PodSandbox::getId).toList().equals(sandboxesBefore)
                                    && containers().stream().filter(c -> c.getState()
                                            == ContainerState.CONTAINER_RUNNING).count() == 2;
                        });
            } catch (Throwable t) {
                System.err.println("======== kubelet log tail (" + kubelet.logFile() + ") ========\n"
                        + kubelet.logTail(200));
                throw t;
            }
        }
    }

    /** One init container and two long-running containers, each writing two lines; all stop on SIGTERM at once. */
    static String manifest(String name) {
        return String.join("\n",
                "apiVersion: v1",
                "kind: Pod",
                "metadata:",
                "  name: " + name,
                "  namespace: " + NAMESPACE,
                "spec:",
                "  terminationGracePeriodSeconds: " + GRACE_SECONDS,
                "  initContainers:",
                container("init", "echo init line 1; echo init line 2"),
                "  containers:",
                container("first", "echo first line 1; echo first line 2; trap 'exit 0' TERM;"
                        + " while true; do sleep 1; done"),
                container("second", "echo second line 1; echo second line 2; trap 'exit 0' TERM;"
                        + " while true; do sleep 1; done"),
                "");
    }

    private static String container(String name, String script) {
        return String.join("\n",
                "  - name: " + name,
                "    image: " + BUSYBOX,
                "    imagePullPolicy: IfNotPresent",
                "    command: [\"sh\", \"-c\", \"" + script + "\"]");
    }

    /** Waits until /pods shows the pod with its init container done and both containers running; returns it. */
    private static JsonNode awaitRunning(KubeletProcess kubelet, String podName) {
        return await(podName + " running in kubelet's /pods").atMost(POD_START_TIMEOUT)
                .pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> findPod(kubelet, podName).orElse(null), pod -> pod != null && isRunning(pod));
    }

    private static boolean isRunning(JsonNode pod) {
        JsonNode status = pod.path("status");
        List<JsonNode> containers = list(status.path("containerStatuses"));
        return "Running".equals(status.path("phase").asText()) && containers.size() == 2
                && containers.stream().allMatch(c -> c.path("state").has("running") && c.path("ready").asBoolean());
    }

    private static Optional<JsonNode> findPod(KubeletProcess kubelet, String podName) throws Exception {
        JsonNode list = JSON.readTree(get(kubelet, "/pods"));
        return list(list.path("items")).stream()
                .filter(p -> podName.equals(p.path("metadata").path("name").asText())).findFirst();
    }

    private static Map<String, String> containerIds(JsonNode pod) {
        Map<String, String> ids = new TreeMap<>();
        for (JsonNode c : list(pod.path("status").path("containerStatuses"))) {
            ids.put(c.path("name").asText(), c.path("containerID").asText());
        }
        return ids;
    }

    private static int restartCounts(JsonNode pod) {
        return list(pod.path("status").path("containerStatuses")).stream()
                .mapToInt(c -> c.path("restartCount").asInt()).sum();
    }

    private static List<JsonNode> list(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).toList();
    }

    private static String get(KubeletProcess kubelet, String path) throws Exception {
        HttpResponse<String> response = kubelet.get(path);
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + ": HTTP " + response.statusCode() + ": "
                    + response.body());
        }
        return response.body();
    }

    private static List<PodSandbox> sandboxes() {
        return berthd.client().runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList();
    }

    private static List<io.berth.cri.v1.Container> containers() {
        return berthd.client().runtime().listContainers(ListContainersRequest.newBuilder()
                .setFilter(ContainerFilter.getDefaultInstance()).build()).getContainersList();
    }

    /** Mount points at or below {@code dir}, from this process's mount table. */
    static List<String> mountsUnder(Path dir) throws Exception {
        String base = dir.toAbsolutePath().normalize().toString();
        List<String> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String mountpoint = line.split(" ")[4];
            if (mountpoint.equals(base) || mountpoint.startsWith(base + "/")) {
                mounts.add(mountpoint);
            }
        }
        return mounts.stream().sorted().toList();
    }
}

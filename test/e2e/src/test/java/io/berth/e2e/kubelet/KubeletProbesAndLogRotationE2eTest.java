package io.berth.e2e.kubelet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.cri.v1.Container;
import io.berth.cri.v1.ContainerFilter;
import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ListContainersRequest;
import io.berth.e2e.critest.CritestImages;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.ScratchDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real kubelet, standalone, probes berth's containers and rotates their logs (issue 14).
 * <ul>
 * <li>Scenario 2: a failing liveness exec probe (through ExecSync) restarts its container with back-off; a readiness
 * exec probe flips as the test creates and removes a file in a hostPath dir; an HTTP and a TCP readiness probe,
 * dialled by kubelet into the pod IP on berth's bridge, pass against servers in the pod, and fail against a
 * missing path and a closed port.
 * <li>Scenario 4: kubelet's log manager ({@code containerLogMaxSize: 1Ki}) rotates a chatty container's log with
 * ReopenContainerLog; read often enough, the rotated, gzipped and current files hold every line, none lost.
 * </ul>
 */
class KubeletProbesAndLogRotationE2eTest {
    static final String BUSYBOX = CritestImages.E2E + "busybox:1.29-2";
    static final String NGINX = CritestImages.E2E + "nginx:1.14-2";
    static final String NAMESPACE = "default";
    /** Sub-second probes keep the scenario short; an ExecSync on this busy machine may take more than 1s. */
    static final String PROBE_TIMING = "      periodSeconds: 1\n      timeoutSeconds: 5\n";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static KubeletTestbed testbed;
    private static BerthdProcess berthd;

    @BeforeAll
    static void berthdWithMirroredImages() throws Exception {
        testbed = KubeletTestbed.start(daemons, "bkp");
        berthd = testbed.berthd();
    }

    @AfterAll
    static void closeRegistryAndBridge() {
        if (testbed != null) {
            testbed.close();
        }
    }

    @Test
    void probesRestartTheUnhealthyContainerFlipReadinessAndDialIntoThePod() throws Exception {
        ScratchDir flags = daemons.scratchDir("kubelet-probe-flags-");
        Path readyFlag = flags.resolve("ready");
        try (KubeletProcess kubelet = KubeletProcess.start(berthd.socket())) {
            try {
                String podName = "kl-probes-" + KubeletProcess.NODE_NAME;
                Files.writeString(kubelet.manifests().resolve("kl-probes.yaml"), probesManifest(flags.path()));
                JsonNode pod = awaitPod(kubelet, podName, "with web and tcp ready", Duration.ofMinutes(3),
                        p -> ready(status(p, "web")) && ready(status(p, "tcp")));
                String podIp = pod.path("status").path("podIP").asText();
                String subnet = testbed.bridge().subnet();
                assertThat(podIp).as("pod IP on berth's bridge " + subnet)
                        .startsWith(subnet.substring(0, subnet.lastIndexOf('.') + 1));

                // Probes that must fail: kubelet really dials, and reads the HTTP status.
                await("kubelet's log shows the failing HTTP and TCP readiness probes").atMost(Duration.ofSeconds(60))
                        .until(() -> probeFailed(kubelet, "no-http") && probeFailed(kubelet, "no-tcp"));
                JsonNode now = findPod(kubelet, podName).orElseThrow();
                for (String never : List.of("no-http", "no-tcp")) {
                    assertThat(running(status(now, never)) && !ready(status(now, never)))
                            .as("%s running and not ready: %s", never, status(now, never)).isTrue();
                }

                // Readiness flips with the flag file the exec probe tests.
                awaitPod(kubelet, podName, "with readiness running, not ready", Duration.ofSeconds(60),
                        p -> running(status(p, "readiness")) && !ready(status(p, "readiness")));
                Files.createFile(readyFlag);
                awaitPod(kubelet, podName, "with readiness ready", Duration.ofSeconds(60),
                        p -> ready(status(p, "readiness")));
                Files.delete(readyFlag);
                awaitPod(kubelet, podName, "with readiness not ready again", Duration.ofSeconds(60),
                        p -> running(status(p, "readiness")) && !ready(status(p, "readiness")));

                // Liveness: restarted, then held back in CrashLoopBackOff between restarts.
                Set<String> seen = new LinkedHashSet<>();
                awaitPod(kubelet, podName, "with liveness restarted twice after a CrashLoopBackOff",
                        Duration.ofMinutes(3), p -> {
                            JsonNode s = status(p, "liveness");
                            seen.add("restartCount=" + s.path("restartCount").asInt() + " "
                                    + s.path("state").fieldNames().next() + " "
                                    + s.path("state").path("waiting").path("reason").asText("")
                                    + s.path("state").path("running").path("startedAt").asText(""));
                            return s.path("restartCount").asInt() >= 2
                                    && seen.stream().anyMatch(o -> o.contains("CrashLoopBackOff"));
                        });
                System.out.println("kubelet on berth: liveness container states seen: " + seen);
                JsonNode restarted = await("the new liveness container running, the exited one kept by berth")
                        .atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                        .until(() -> findPod(kubelet, podName).orElseThrow(), p -> newAndExitedOnBerth(p));
                for (String other : List.of("readiness", "web", "tcp", "no-http", "no-tcp")) {
                    assertThat(status(restarted, other).path("restartCount").asInt()).as(other + " restarts")
                            .isZero();
                }
            } catch (Throwable t) {
                System.err.println("======== kubelet log tail ========\n" + kubelet.logTail(200));
                throw t;
            }
        }
    }

    @Test
    void kubeletRotatesAChattyContainersLogWithNoLineLost() throws Exception {
        // containerLogMonitorInterval: 3s is the least kubelet accepts (10s by default).
        String rotation = "containerLogMaxSize: 1Ki\ncontainerLogMaxFiles: 3\ncontainerLogMonitorInterval: 3s\n";
        try (KubeletProcess kubelet = KubeletProcess.start(berthd.socket(), rotation)) {
            try {
                String podName = "kl-chatty-" + KubeletProcess.NODE_NAME;
                Files.writeString(kubelet.manifests().resolve("kl-chatty.yaml"), String.join("\n",
                        "apiVersion: v1", "kind: Pod", "metadata:", "  name: kl-chatty", "  namespace: " + NAMESPACE,
                        "spec:", "  terminationGracePeriodSeconds: 5", "  containers:",
                        container("chatty", BUSYBOX, "i=0; trap 'exit 0' TERM;"
                                + " while true; do echo line-$i; i=$((i+1)); sleep 0.05; done"), ""));
                JsonNode pod = awaitPod(kubelet, podName, "running", Duration.ofMinutes(3),
                        p -> running(status(p, "chatty")));
                Path logDir = kubelet.podLogsDir().resolve(NAMESPACE + "_" + podName + "_"
                        + pod.path("metadata").path("uid").asText()).resolve("chatty");

                // Read every file often (kubelet deletes the oldest at each rotation), each read checked on its own.
                TreeSet<Long> union = new TreeSet<>();
                Set<String> rotatedNames = new TreeSet<>();
                List<String> gaps = new ArrayList<>();
                RotatedLogSnapshot last = await("kubelet rotating " + logDir + " five times, with .gz files")
                        .atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(400)).ignoreExceptions()
                        .until(() -> {
                            Optional<RotatedLogSnapshot> read = RotatedLogSnapshot.read(logDir);
                            if (read.isEmpty()) {
                                return null;
                            }
                            read.get().gap().ifPresent(gaps::add);
                            union.addAll(read.get().all());
                            read.get().rotated().forEach(n -> rotatedNames.add(n.replace(".gz", "")));
                            return read.get();
                        }, s -> s != null && (!gaps.isEmpty() || rotatedNames.size() >= 5 && s.hasCompressed()
                                && s.rotated().stream().anyMatch(n -> !n.endsWith(".gz"))));
                System.out.println("kubelet log rotation on berth: rotated " + rotatedNames + "; last read: " + last);
                assertThat(gaps).as("lines lost within one read of the log files").isEmpty();
                assertThat(union.first()).as("the first line read").isZero();
                assertThat((long) union.size()).as("lines line-0..line-" + union.last() + " all read at some point")
                        .isEqualTo(union.last() + 1);
                // The current 0.log goes on right after the newest rotated file: berth reopened it when asked.
                List<List<Long>> files = last.numbers();
                List<Long> newestRotated = files.get(files.size() - 2);
                assertThat(last.files().get(files.size() - 1)).isEqualTo("0.log");
                assertThat(Files.size(logDir.resolve(last.rotated().get(last.rotated().size() - 1))))
                        .as("the newest rotated file reached containerLogMaxSize").isGreaterThanOrEqualTo(1024);
                assertThat(newestRotated).as("newest rotated file").isNotEmpty();
                assertThat(kubelet.logTail(100000)).as("kubelet's log").doesNotContain("Failed to rotate log")
                        .doesNotContain("reopen container log failed");
                assertThat(berthd.logText()).as("berthd's log").doesNotContain("ReopenContainerLog failed");
            } catch (Throwable t) {
                System.err.println("======== kubelet log tail ========\n" + kubelet.logTail(200));
                throw t;
            }
        }
    }

    /**
     * liveness: healthy for 4s after each start, then its probe fails and kubelet restarts it. readiness: ready
     * while the test's flag file exists in the hostPath dir. web (nginx on :80) and tcp (busybox httpd on :8080):
     * HTTP and TCP probes that pass; no-http (GET /missing on :80, a 404) and no-tcp (:8081, closed): that fail.
     */
    private static String probesManifest(Path flagDir) {
        String loop = "trap 'exit 0' TERM; while true; do sleep 1; done";
        return String.join("\n",
                "apiVersion: v1", "kind: Pod", "metadata:", "  name: kl-probes", "  namespace: " + NAMESPACE,
                "spec:", "  terminationGracePeriodSeconds: 5",
                "  volumes:", "  - name: flags", "    hostPath:", "      path: " + flagDir, "      type: Directory",
                "  containers:",
                container("liveness", BUSYBOX, "touch /tmp/healthy; sleep 4; rm /tmp/healthy; " + loop),
                "    livenessProbe:", "      exec:", "        command: [sh, -c, \"test -f /tmp/healthy\"]",
                PROBE_TIMING + "      failureThreshold: 1",
                container("readiness", BUSYBOX, loop),
                "    volumeMounts:", "    - name: flags", "      mountPath: /flags",
                "    readinessProbe:", "      exec:", "        command: [sh, -c, \"test -f /flags/ready\"]",
                PROBE_TIMING + "      failureThreshold: 1",
                "  - name: web", "    image: " + NGINX, "    imagePullPolicy: IfNotPresent",
                "    readinessProbe:", "      httpGet:", "        path: /", "        port: 80", PROBE_TIMING,
                container("tcp", BUSYBOX, "httpd -p 8080 -h /tmp; " + loop),
                "    readinessProbe:", "      tcpSocket:", "        port: 8080", PROBE_TIMING,
                container("no-http", BUSYBOX, loop),
                "    readinessProbe:", "      httpGet:", "        path: /missing", "        port: 80", PROBE_TIMING,
                container("no-tcp", BUSYBOX, loop),
                "    readinessProbe:", "      tcpSocket:", "        port: 8081", PROBE_TIMING);
    }

    private static String container(String name, String image, String script) {
        return String.join("\n", "  - name: " + name, "    image: " + image, "    imagePullPolicy: IfNotPresent",
                "    command: [\"sh\", \"-c\", \"" + script + "\"]");
    }

    /**
     * /pods shows liveness running with its previous container terminated, and berth lists both: the running one
     * and the exited one, one attempt before.
     */
    private static boolean newAndExitedOnBerth(JsonNode pod) {
        JsonNode s = status(pod, "liveness");
        String current = s.path("containerID").asText();
        String previous = s.path("lastState").path("terminated").path("containerID").asText();
        if (!running(s) || current.isEmpty() || previous.isEmpty() || current.equals(previous)) {
            return false;
        }
        List<Container> onBerth = berthd.client().runtime().listContainers(ListContainersRequest.newBuilder()
                .setFilter(ContainerFilter.newBuilder().putLabelSelector("io.kubernetes.container.name", "liveness"))
                .build()).getContainersList();
        Optional<Container> now = onBerth.stream().filter(c -> current.endsWith("://" + c.getId())).findFirst();
        Optional<Container> before = onBerth.stream().filter(c -> previous.endsWith("://" + c.getId())).findFirst();
        return now.isPresent() && before.isPresent() && now.get().getState() == ContainerState.CONTAINER_RUNNING
                && before.get().getState() == ContainerState.CONTAINER_EXITED
                && now.get().getMetadata().getAttempt() == before.get().getMetadata().getAttempt() + 1;
    }

    private static boolean probeFailed(KubeletProcess kubelet, String container) {
        return kubelet.logTail(100000).lines().anyMatch(l -> l.contains("\"Probe failed\"")
                && l.contains("probeType=\"Readiness\"") && l.contains("containerName=\"" + container + "\""));
    }

    private static JsonNode awaitPod(KubeletProcess kubelet, String podName, String what, Duration timeout,
            java.util.function.Predicate<JsonNode> condition) {
        return await(podName + " " + what + " in kubelet's /pods").atMost(timeout)
                .pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> findPod(kubelet, podName).orElse(null), p -> p != null && condition.test(p));
    }

    private static Optional<JsonNode> findPod(KubeletProcess kubelet, String podName) throws Exception {
        var response = kubelet.get("/pods");
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET /pods: HTTP " + response.statusCode() + ": " + response.body());
        }
        return StreamSupport.stream(JSON.readTree(response.body()).path("items").spliterator(), false)
                .filter(p -> podName.equals(p.path("metadata").path("name").asText())).findFirst();
    }

    private static JsonNode status(JsonNode pod, String container) {
        for (JsonNode c : pod.path("status").path("containerStatuses")) {
            if (container.equals(c.path("name").asText())) {
                return c;
            }
        }
        throw new IllegalStateException("no status yet for container " + container);
    }

    private static boolean running(JsonNode containerStatus) {
        return containerStatus.path("state").has("running");
    }

    private static boolean ready(JsonNode containerStatus) {
        return containerStatus.path("ready").asBoolean(false);
    }
}

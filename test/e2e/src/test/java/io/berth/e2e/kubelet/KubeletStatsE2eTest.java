package io.berth.e2e.kubelet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.e2e.critest.CritestImages;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.E2eDaemons;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scenario 5 of issue 14: a real kubelet's {@code /stats/summary}, {@code /metrics/resource} and
 * {@code /metrics/cadvisor} for a pod on berth that burns CPU, holds memory and uses its network.
 * <ul>
 * <li>With {@code PodAndContainerStatsFromCRI} on, every figure comes from berth: the summary's pod and container
 * cpu, memory and network from ListPodSandboxStats, {@code /metrics/resource} from the same, and
 * {@code /metrics/cadvisor} from ListMetricDescriptors and ListPodSandboxMetrics (cAdvisor's names, berth's
 * {@code id}/{@code name}/{@code image} labels).
 * <li>With kubelet's default config, the summary's containers come from berth's ListContainerStats and the pod's
 * cpu and memory from kubelet's own cAdvisor reading the pod cgroup; {@code /metrics/cadvisor} is kubelet's own
 * cAdvisor, which sees berth's containers as raw cgroups below the pod's.
 * </ul>
 */
class KubeletStatsE2eTest {
    static final String BUSYBOX = CritestImages.E2E + "busybox:1.29-2";
    static final String NAMESPACE = "default";
    static final String CONTAINER = "burner";
    /** The first pull of busybox, a sandbox and a container on a slow, shared 2-core machine. */
    static final Duration POD_START_TIMEOUT = Duration.ofMinutes(3);
    /** kubelet's stats come from its housekeeping and the runtime's readings: a few 10 s rounds at most. */
    static final Duration STATS_TIMEOUT = Duration.ofMinutes(2);
    /** What the container's shell holds in a variable; its working set is at least this. */
    static final long HELD_BYTES = 20_000_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static KubeletTestbed testbed;
    private static BerthdProcess berthd;

    @BeforeAll
    static void berthdWithMirroredImages() throws Exception {
        testbed = KubeletTestbed.start(daemons, "bks");
        berthd = testbed.berthd();
    }

    @AfterAll
    static void closeRegistryAndBridge() {
        if (testbed != null) {
            testbed.close();
        }
    }

    @Test
    void statsAndMetricsFromBerthsStatsRpcs() throws Exception {
        try (KubeletProcess kubelet = KubeletProcess.start(berthd.socket(),
                "featureGates:\n  PodAndContainerStatsFromCRI: true\n")) {
            try {
                String podName = startBurner(kubelet, "kl-stats-cri");
                String containerId = containerId(kubelet, podName);
                String sandboxId = sandboxId(podName);

                JsonNode pod = awaitSummary(kubelet, podName, true);
                System.out.println("kubelet on berth (stats from CRI): /stats/summary pod " + pod);

                awaitResourceMetrics(kubelet, podName);

                // /metrics/cadvisor: kubelet's CRI metrics collector, i.e. berth's ListPodSandboxMetrics.
                await("berth's cAdvisor series in kubelet's /metrics/cadvisor").atMost(STATS_TIMEOUT)
                        .pollInterval(Duration.ofSeconds(2)).ignoreExceptions()
                        .untilAsserted(() -> {
                            String metrics = get(kubelet, "/metrics/cadvisor");
                            String container = "id=\"" + containerId + "\"";
                            assertThat(value(metrics, "container_cpu_usage_seconds_total", container,
                                    "name=\"" + CONTAINER + "\"")).isPositive();
                            assertThat(value(metrics, "container_memory_working_set_bytes", container,
                                    "name=\"" + CONTAINER + "\"")).isGreaterThanOrEqualTo(HELD_BYTES);
                            String sandbox = "id=\"" + sandboxId + "\"";
                            assertThat(value(metrics, "container_network_receive_bytes_total", sandbox)).isPositive();
                            assertThat(value(metrics, "container_network_transmit_bytes_total", sandbox))
                                    .isPositive();
                        });
            } catch (Throwable t) {
                System.err.println("======== kubelet log tail (" + kubelet.logFile() + ") ========\n"
                        + kubelet.logTail(200));
                throw t;
            }
        }
    }

    @Test
    void statsAndMetricsWithKubeletsDefaultProvider() throws Exception {
        try (KubeletProcess kubelet = KubeletProcess.start(berthd.socket())) {
            try {
                String podName = startBurner(kubelet, "kl-stats-default");
                String uid = findPod(kubelet, podName).orElseThrow().path("metadata").path("uid").asText();
                String containerId = containerId(kubelet, podName);

                JsonNode pod = awaitSummary(kubelet, podName, false);
                System.out.println("kubelet on berth (default stats provider): /stats/summary pod " + pod);

                awaitResourceMetrics(kubelet, podName);

                // /metrics/cadvisor: kubelet's own cAdvisor; berth's container is a raw cgroup below the pod's.
                await("the container's cgroup in kubelet's own /metrics/cadvisor").atMost(STATS_TIMEOUT)
                        .pollInterval(Duration.ofSeconds(2)).ignoreExceptions()
                        .untilAsserted(() -> {
                            String metrics = get(kubelet, "/metrics/cadvisor");
                            String cgroup = "pod" + uid + "/" + containerId + "\"";
                            assertThat(value(metrics, "container_cpu_usage_seconds_total", cgroup)).isPositive();
                            assertThat(value(metrics, "container_memory_working_set_bytes", cgroup))
                                    .isGreaterThanOrEqualTo(HELD_BYTES);
                        });
            } catch (Throwable t) {
                System.err.println("======== kubelet log tail (" + kubelet.logFile() + ") ========\n"
                        + kubelet.logTail(200));
                throw t;
            }
        }
    }

    /** Writes the burner pod's manifest and waits until kubelet shows it running; returns its pod name. */
    private static String startBurner(KubeletProcess kubelet, String pod) throws Exception {
        Files.writeString(kubelet.manifests().resolve(pod + ".yaml"), manifest(pod));
        String podName = pod + "-" + KubeletProcess.NODE_NAME;
        await(podName + " running in kubelet's /pods").atMost(POD_START_TIMEOUT)
                .pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> findPod(kubelet, podName).orElse(null), p -> p != null && isRunning(p));
        return podName;
    }

    /**
     * One container, limited to 0.3 CPU on this shared machine: dd burns its share, the shell holds
     * {@link #HELD_BYTES} in a variable, and a ping (or a refused wget) to the pod's gateway each second moves
     * bytes through the pod's eth0 both ways.
     */
    static String manifest(String name) {
        return String.join("\n",
                "apiVersion: v1",
                "kind: Pod",
                "metadata:",
                "  name: " + name,
                "  namespace: " + NAMESPACE,
                "spec:",
                "  terminationGracePeriodSeconds: 5",
                "  containers:",
                "  - name: " + CONTAINER,
                "    image: " + BUSYBOX,
                "    imagePullPolicy: IfNotPresent",
                "    resources:",
                "      limits:",
                "        cpu: 300m",
                "        memory: 128Mi",
                "    command: [\"sh\", \"-c\"]",
                "    args:",
                "    - |",
                "      dd if=/dev/zero of=/dev/null &",
                "      hold=$(head -c " + HELD_BYTES + " /dev/zero | tr '\\0' x)",
                "      gw=$(ip route | awk '/default/ {print $3}')",
                "      trap 'exit 0' TERM",
                "      while true; do",
                "        ping -c 1 -W 1 \"$gw\" >/dev/null 2>&1 || wget -q -T 1 -O /dev/null \"http://$gw/\" 2>/dev/null",
                "        sleep 1",
                "      done",
                "");
    }

    /**
     * Waits until {@code /stats/summary} shows the pod and its container with cpu and memory, the container's
     * working set at least what it holds, and, if {@code network}, the pod's interfaces with bytes both ways.
     */
    private static JsonNode awaitSummary(KubeletProcess kubelet, String podName, boolean network) {
        return await(podName + " with cpu, memory" + (network ? " and network" : "") + " in /stats/summary")
                .atMost(STATS_TIMEOUT).pollInterval(Duration.ofSeconds(2)).ignoreExceptions()
                .until(() -> summaryPod(kubelet, podName), pod -> {
                    JsonNode container = list(pod.path("containers")).stream()
                            .filter(c -> CONTAINER.equals(c.path("name").asText())).findFirst().orElseThrow();
                    assertThat(pod.path("cpu").path("usageCoreNanoSeconds").asLong()).as("pod cpu").isPositive();
                    assertThat(pod.path("cpu").path("usageNanoCores").asLong()).as("pod cpu rate").isPositive();
                    assertThat(pod.path("memory").path("workingSetBytes").asLong()).as("pod memory")
                            .isGreaterThanOrEqualTo(HELD_BYTES);
                    assertThat(container.path("cpu").path("usageCoreNanoSeconds").asLong()).as("container cpu")
                            .isPositive();
                    assertThat(container.path("cpu").path("usageNanoCores").asLong()).as("container cpu rate")
                            .isPositive();
                    assertThat(container.path("memory").path("workingSetBytes").asLong()).as("container memory")
                            .isGreaterThanOrEqualTo(HELD_BYTES);
                    if (network) {
                        List<JsonNode> interfaces = list(pod.path("network").path("interfaces"));
                        assertThat(interfaces).as("pod network interfaces").anySatisfy(i -> {
                            assertThat(i.path("rxBytes").asLong()).isPositive();
                            assertThat(i.path("txBytes").asLong()).isPositive();
                        });
                        assertThat(pod.path("network").path("rxBytes").asLong()).as("pod rx").isPositive();
                        assertThat(pod.path("network").path("txBytes").asLong()).as("pod tx").isPositive();
                    }
                    return true;
                });
    }

    /** {@code /metrics/resource}: the container's and the pod's cpu and working set, as metrics-server reads them. */
    private static void awaitResourceMetrics(KubeletProcess kubelet, String podName) {
        await(podName + " in /metrics/resource").atMost(STATS_TIMEOUT).pollInterval(Duration.ofSeconds(2))
                .ignoreExceptions().untilAsserted(() -> {
                    String metrics = get(kubelet, "/metrics/resource");
                    String pod = "pod=\"" + podName + "\"";
                    String namespace = "namespace=\"" + NAMESPACE + "\"";
                    String container = "container=\"" + CONTAINER + "\"";
                    assertThat(value(metrics, "container_cpu_usage_seconds_total", container, pod, namespace))
                            .isPositive();
                    assertThat(value(metrics, "container_memory_working_set_bytes", container, pod, namespace))
                            .isGreaterThanOrEqualTo(HELD_BYTES);
                    assertThat(value(metrics, "pod_cpu_usage_seconds_total", pod, namespace)).isPositive();
                    assertThat(value(metrics, "pod_memory_working_set_bytes", pod, namespace))
                            .isGreaterThanOrEqualTo(HELD_BYTES);
                });
    }

    /** The value of the one series of {@code metric} whose labels contain every one of {@code labels}. */
    static double value(String metrics, String metric, String... labels) {
        List<String> series = metrics.lines().filter(l -> l.startsWith(metric + "{"))
                .filter(l -> List.of(labels).stream().allMatch(l::contains)).toList();
        assertThat(series).as("%s{%s} in:\n%s", metric, String.join(",", labels),
                metrics.lines().filter(l -> l.startsWith(metric + "{")).toList()).hasSize(1);
        String afterLabels = series.get(0).substring(series.get(0).lastIndexOf('}') + 1).trim();
        return Double.parseDouble(afterLabels.split(" ")[0]);
    }

    private static JsonNode summaryPod(KubeletProcess kubelet, String podName) throws Exception {
        JsonNode summary = JSON.readTree(get(kubelet, "/stats/summary"));
        return list(summary.path("pods")).stream()
                .filter(p -> podName.equals(p.path("podRef").path("name").asText())).findFirst().orElseThrow();
    }

    private static String containerId(KubeletProcess kubelet, String podName) throws Exception {
        JsonNode status = list(findPod(kubelet, podName).orElseThrow().path("status").path("containerStatuses"))
                .stream().filter(c -> CONTAINER.equals(c.path("name").asText())).findFirst().orElseThrow();
        String id = status.path("containerID").asText();
        return id.substring(id.indexOf("://") + 3);
    }

    private static String sandboxId(String podName) {
        return berthd.client().runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()
                .stream().filter(s -> podName.equals(s.getMetadata().getName())).findFirst().orElseThrow().getId();
    }

    private static boolean isRunning(JsonNode pod) {
        JsonNode status = pod.path("status");
        List<JsonNode> containers = list(status.path("containerStatuses"));
        return "Running".equals(status.path("phase").asText()) && containers.size() == 1
                && containers.get(0).path("state").has("running");
    }

    private static Optional<JsonNode> findPod(KubeletProcess kubelet, String podName) throws Exception {
        return list(JSON.readTree(get(kubelet, "/pods")).path("items")).stream()
                .filter(p -> podName.equals(p.path("metadata").path("name").asText())).findFirst();
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
}

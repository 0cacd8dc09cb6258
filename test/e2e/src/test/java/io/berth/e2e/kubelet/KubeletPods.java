package io.berth.e2e.kubelet;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.StreamSupport;

/**
 * Static pods as kubelet's server shows them: {@code /pods} entries, their container statuses, and kubelet's own
 * {@code /metrics}.
 */
final class KubeletPods {
    private static final ObjectMapper JSON = new ObjectMapper();

    private KubeletPods() {
    }

    /** A static pod's name in kubelet: the manifest's name and {@code -<node name>}. */
    static String podName(String manifestName) {
        return manifestName + "-" + KubeletProcess.NODE_NAME;
    }

    /** Polls /pods until the pod is there and matches {@code condition}; returns it. */
    static JsonNode awaitPod(KubeletProcess kubelet, String podName, String what, Duration timeout,
            Predicate<JsonNode> condition) {
        return await(podName + " " + what + " in kubelet's /pods").atMost(timeout)
                .pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> findPod(kubelet, podName).orElse(null), pod -> pod != null && condition.test(pod));
    }

    static Optional<JsonNode> findPod(KubeletProcess kubelet, String podName) throws Exception {
        JsonNode list = JSON.readTree(get(kubelet, "/pods"));
        return list(list.path("items")).stream()
                .filter(p -> podName.equals(p.path("metadata").path("name").asText())).findFirst();
    }

    static Optional<JsonNode> containerStatus(JsonNode pod, String container) {
        return list(pod.path("status").path("containerStatuses")).stream()
                .filter(c -> container.equals(c.path("name").asText())).findFirst();
    }

    /** Phase Running with exactly {@code containers} containers, all running and ready. */
    static boolean allRunning(JsonNode pod, int containers) {
        JsonNode status = pod.path("status");
        List<JsonNode> statuses = list(status.path("containerStatuses"));
        return "Running".equals(status.path("phase").asText()) && statuses.size() == containers
                && statuses.stream().allMatch(c -> c.path("state").has("running") && c.path("ready").asBoolean());
    }

    static Map<String, String> containerIds(JsonNode pod) {
        Map<String, String> ids = new TreeMap<>();
        for (JsonNode c : list(pod.path("status").path("containerStatuses"))) {
            ids.put(c.path("name").asText(), c.path("containerID").asText());
        }
        return ids;
    }

    static int restartCounts(JsonNode pod) {
        return list(pod.path("status").path("containerStatuses")).stream()
                .mapToInt(c -> c.path("restartCount").asInt()).sum();
    }

    /** The sum of every sample of {@code name} in kubelet's /metrics; 0 when it has none. */
    static double metric(KubeletProcess kubelet, String name) throws Exception {
        double sum = 0;
        for (String line : get(kubelet, "/metrics").lines().toList()) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    static List<JsonNode> list(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).toList();
    }

    static String get(KubeletProcess kubelet, String path) throws Exception {
        HttpResponse<String> response = kubelet.get(path);
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + ": HTTP " + response.statusCode() + ": "
                    + response.body());
        }
        return response.body();
    }
}

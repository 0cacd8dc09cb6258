package io.berth.e2e.kubelet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.e2e.critest.CritestImages;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.GoTools;
import io.berth.e2e.harness.ScratchDir;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scenario 6 of issue 14: {@code exec}, {@code attach} and {@code port-forward} through a real kubelet's own
 * server ({@code /exec/...}, {@code /attach/...}, {@code /portForward/...}) with client-go's SPDY client
 * ({@link GoTools#kubeletStream()}), as kubectl and the API server use it. kubelet proxies each stream to the URL that
 * berth's Exec, Attach and PortForward RPCs return, so every byte goes through berth's streaming server.
 */
class KubeletStreamingE2eTest {
    static final String BUSYBOX = CritestImages.E2E + "busybox:1.29-2";
    static final String NGINX = CritestImages.E2E + "nginx:1.14-2";
    static final String NAMESPACE = "default";
    static final String POD = "kl-stream";
    static final String POD_NAME = POD + "-" + KubeletProcess.NODE_NAME;
    /** The first pulls, a sandbox and three containers on a slow, shared 2-core machine. */
    static final Duration POD_START_TIMEOUT = Duration.ofMinutes(3);
    /** One stream through kubelet and berth; the tool's start included. */
    static final Duration STREAM_TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static KubeletTestbed testbed;
    private static BerthdProcess berthd;
    private static Path tool;
    private static ScratchDir scratch;

    @BeforeAll
    static void berthdWithMirroredImages() throws Exception {
        testbed = KubeletTestbed.start(daemons, "bks");
        tool = GoTools.kubeletStream();
        berthd = testbed.berthd();
        scratch = testbed.scratch();
    }

    @AfterAll
    static void closeRegistryAndBridge() {
        if (testbed != null) {
            testbed.close();
        }
    }

    @Test
    void execAttachAndPortForwardReachThePodThroughKubeletsServer() throws Exception {
        try (KubeletProcess kubelet = KubeletProcess.start(berthd.socket())) {
            try {
                Files.writeString(kubelet.manifests().resolve(POD + ".yaml"), manifest());
                awaitRunning(kubelet);
                String address = "127.0.0.1:" + kubelet.port();

                // kubectl exec kl-stream -c shell -- echo hi
                long t0 = System.nanoTime();
                try (Stream exec = Stream.start("exec", address, NAMESPACE, POD_NAME, "shell", "--", "echo", "hi")) {
                    exec.closeStdin();
                    assertThat(exec.awaitExit()).as("exec echo hi: %s", exec).isZero();
                    assertThat(exec.stdout()).isEqualTo("hi\n");
                }
                System.out.println("kubelet on berth: exec echo hi took " + millisSince(t0) + " ms");

                // kubectl exec -i kl-stream -c shell -- cat: stdin goes in, its end ends cat.
                String input = "line one through kubelet\nline two\n";
                try (Stream exec = Stream.start("exec", "-stdin", address, NAMESPACE, POD_NAME, "shell", "--",
                        "cat")) {
                    exec.write(input);
                    exec.closeStdin();
                    assertThat(exec.awaitExit()).as("exec -i cat: %s", exec).isZero();
                    assertThat(exec.stdout()).isEqualTo(input);
                }

                // A failing command: kubectl shows its exit code; its stderr comes back on stderr.
                try (Stream exec = Stream.start("exec", address, NAMESPACE, POD_NAME, "shell", "--", "sh", "-c",
                        "echo to-stderr >&2; exit 3")) {
                    exec.closeStdin();
                    assertThat(exec.awaitExit()).as("exec exit 3: %s", exec).isEqualTo(1);
                    assertThat(exec.stderr()).contains("to-stderr").contains("exit code 3");
                }

                // kubectl attach -i kl-stream -c catter: what goes in comes back out of the container's cat.
                try (Stream attach = Stream.start("attach", address, NAMESPACE, POD_NAME, "catter")) {
                    attach.write("attached hello\n");
                    await("attach output: " + attach).atMost(STREAM_TIMEOUT)
                            .until(attach::stdout, out -> out.contains("attached hello\n"));
                    attach.write("attached again\n");
                    await("attach output: " + attach).atMost(STREAM_TIMEOUT)
                            .until(attach::stdout, out -> out.contains("attached again\n"));
                }

                // kubectl port-forward kl-stream :80, then GET / on the local port.
                try (Stream forward = Stream.start("portforward", address, NAMESPACE, POD_NAME, "80")) {
                    int local = await("port-forward listening: " + forward).atMost(STREAM_TIMEOUT)
                            .until(forward::localPort, Optional::isPresent).orElseThrow();
                    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
                    for (int i = 0; i < 2; i++) {
                        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + local + "/")).timeout(Duration.ofSeconds(30))
                                .build(), HttpResponse.BodyHandlers.ofString());
                        assertThat(response.statusCode()).as("GET / through port-forward: %s", forward)
                                .isEqualTo(200);
                    }
                    forward.closeStdin();
                    assertThat(forward.awaitExit()).as("port-forward ends at stdin's end: %s", forward).isZero();
                }
            } catch (Throwable t) {
                System.err.println("======== kubelet log tail (" + kubelet.logFile() + ") ========\n"
                        + kubelet.logTail(200));
                throw t;
            }
        }
    }

    /**
     * A shell to exec into, a {@code cat} with an open stdin to attach to and an HTTP server on port 80 to
     * forward to; a short grace period, as {@code cat} as pid 1 ignores SIGTERM.
     */
    static String manifest() {
        return String.join("\n",
                "apiVersion: v1",
                "kind: Pod",
                "metadata:",
                "  name: " + POD,
                "  namespace: " + NAMESPACE,
                "spec:",
                "  terminationGracePeriodSeconds: 2",
                "  containers:",
                "  - name: shell",
                "    image: " + BUSYBOX,
                "    imagePullPolicy: IfNotPresent",
                "    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; while true; do sleep 1; done\"]",
                "  - name: catter",
                "    image: " + BUSYBOX,
                "    imagePullPolicy: IfNotPresent",
                "    command: [\"cat\"]",
                "    stdin: true",
                "  - name: web",
                "    image: " + NGINX,
                "    imagePullPolicy: IfNotPresent",
                "    ports:",
                "    - containerPort: 80",
                "");
    }

    private static void awaitRunning(KubeletProcess kubelet) {
        await(POD_NAME + " running in kubelet's /pods").atMost(POD_START_TIMEOUT)
                .pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> findPod(kubelet).orElse(null), pod -> pod != null && isRunning(pod));
    }

    private static boolean isRunning(JsonNode pod) {
        JsonNode status = pod.path("status");
        List<JsonNode> containers = StreamSupport.stream(status.path("containerStatuses").spliterator(), false)
                .toList();
        return "Running".equals(status.path("phase").asText()) && containers.size() == 3
                && containers.stream().allMatch(c -> c.path("state").has("running"));
    }

    private static Optional<JsonNode> findPod(KubeletProcess kubelet) throws Exception {
        HttpResponse<String> response = kubelet.get("/pods");
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET /pods: HTTP " + response.statusCode());
        }
        return StreamSupport.stream(JSON.readTree(response.body()).path("items").spliterator(), false)
                .filter(p -> POD_NAME.equals(p.path("metadata").path("name").asText())).findFirst();
    }

    private static long millisSince(long start) {
        return Duration.ofNanos(System.nanoTime() - start).toMillis();
    }

    /** One run of the SPDY client: stdin a pipe, stdout and stderr each a file of the class's scratch dir. */
    private static final class Stream implements AutoCloseable {
        private static final Pattern PORT = Pattern.compile("(?m)^port (\\d+)$");
        private static int runs;

        private final Process process;
        private final OutputStream stdin;
        private final Path out;
        private final Path err;
        private final List<String> command;

        private Stream(Process process, Path out, Path err, List<String> command) {
            this.process = process;
            this.stdin = process.getOutputStream();
            this.out = out;
            this.err = err;
            this.command = command;
        }

        static Stream start(String... args) throws IOException {
            int run = ++runs;
            Path out = scratch.resolve("stream-" + run + ".out");
            Path err = scratch.resolve("stream-" + run + ".err");
            List<String> command = new ArrayList<>();
            command.add(tool.toString());
            command.addAll(List.of(args));
            Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .start();
            return new Stream(process, out, err, command);
        }

        void write(String text) throws IOException {
            stdin.write(text.getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        }

        void closeStdin() throws IOException {
            stdin.close();
        }

        int awaitExit() throws InterruptedException {
            if (!process.waitFor(STREAM_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("still running after " + STREAM_TIMEOUT + ": " + this);
            }
            return process.exitValue();
        }

        String stdout() throws IOException {
            return Files.readString(out);
        }

        String stderr() throws IOException {
            return Files.readString(err);
        }

        Optional<Integer> localPort() throws IOException {
            Matcher m = PORT.matcher(stdout());
            return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
        }

        /** Ends the client by its own pid if it still runs (an attach runs until the container exits). */
        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroyForcibly();
                try {
                    process.waitFor(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public String toString() {
            String text;
            try {
                text = "stdout <" + stdout() + "> stderr <" + stderr() + ">";
            } catch (IOException e) {
                text = e.toString();
            }
            return String.join(" ", command) + (process.isAlive() ? " (running) " : " (exit "
                    + process.exitValue() + ") ") + text;
        }
    }
}

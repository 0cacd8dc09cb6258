package io.berth.e2e.streaming;

import io.berth.e2e.harness.HostCommands;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * berthd's JVM seen from outside: heap and threads from its {@code /metrics} endpoint, and a full collection on
 * request through the JDK's {@code jcmd}, so that two heap readings compare live data rather than however much
 * garbage happened to be waiting for the next collection.
 */
final class BerthdJvm {
    private static final String HEAP_USED = "jvm_memory_bytes_used{area=\"heap\"} ";
    private static final String THREADS = "jvm_threads_current ";

    private final long pid;
    private final int metricsPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    BerthdJvm(long pid, int metricsPort) {
        this.pid = pid;
        this.metricsPort = metricsPort;
    }

    /** A full, stop-the-world collection in berthd (what {@code System.gc()} does under Serial GC). */
    void collectGarbage() {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!Files.isExecutable(jcmd)) {
            throw new IllegalStateException("no jcmd in " + jcmd.getParent() + ": the e2e suite needs a full JDK");
        }
        String out = HostCommands.run(jcmd.toString(), Long.toString(pid), "GC.run");
        if (!out.contains("Command executed successfully")) {
            throw new IllegalStateException("jcmd " + pid + " GC.run failed: " + out);
        }
    }

    long heapUsedBytes() throws Exception {
        return (long) sample(HEAP_USED);
    }

    long threads() throws Exception {
        return (long) sample(THREADS);
    }

    private double sample(String series) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body().lines().filter(l -> l.startsWith(series)).findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length()).trim()))
                .orElseThrow(() -> new AssertionError("no " + series.trim() + " in berthd's /metrics"));
    }
}

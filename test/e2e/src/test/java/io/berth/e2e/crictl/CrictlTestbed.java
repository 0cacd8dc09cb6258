package io.berth.e2e.crictl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.e2e.fixtures.LayerBuilder;
import io.berth.e2e.fixtures.RegistryProcess;
import io.berth.e2e.fixtures.TestImage;
import io.berth.e2e.harness.BerthdOptions;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.CommandResult;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.harness.ScratchDir;
import io.berth.e2e.harness.TestBridge;
import io.berth.e2e.images.RegistryHosts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One crictl test class's world: a busybox image on a loopback registry, a packaged berthd on a bridge of its own
 * ({@link TestBridge}, 10.228.x.0/24) and a {@link Crictl} pointed at it. Pod and container configs are JSON files
 * written the way crictl's own documentation writes them. {@link #close()} removes every pod with {@code crictl
 * rmp}, stops berthd and deletes the bridge.
 */
final class CrictlTestbed implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(120);
    /** The pod uid of crictl's documentation examples. */
    static final String DOCS_UID = "hdishd83djaidwnduwk28bcsb";
    static final String REPOSITORY = "crictl/busybox";
    static final String TAG = "e2e";
    static final String INDEX_HTML = "<h1>served from inside the pod</h1>\n";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] APPLETS = {
        "sh", "cat", "echo", "stty", "tty", "sleep", "top", "hostname", "httpd", "touch", "ls", "ps", "true",
        "printf", "id", "head",
    };

    private final ScratchDir scratch;
    private final RegistryProcess registry;
    private final TestBridge bridge;
    private final BerthdProcess berthd;
    private final Crictl crictl;

    private CrictlTestbed(ScratchDir scratch, RegistryProcess registry, TestBridge bridge, BerthdProcess berthd) {
        this.scratch = scratch;
        this.registry = registry;
        this.bridge = bridge;
        this.berthd = berthd;
        this.crictl = Crictl.forSocket(berthd.socket(), scratch.path());
    }

    static CrictlTestbed start(E2eDaemons daemons, String tag) throws Exception {
        E2eSettings.assumeOwnBerthd();
        ScratchDir scratch = daemons.scratchDir("crictl-" + tag + "-");
        RegistryProcess registry = RegistryProcess.start(scratch.resolve("registry"));
        TestBridge bridge = TestBridge.reserve("bcc", 228);
        try {
            registry.pusher().push(REPOSITORY, TAG, busybox());
            RegistryHosts hosts = new RegistryHosts(scratch.resolve("etc-berth")).plainHttp(registry.host());
            BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults()
                    .withConfig(hosts.config() + bridge.config()));
            return new CrictlTestbed(scratch, registry, bridge, berthd);
        } catch (Exception | Error e) {
            registry.close();
            bridge.close();
            throw e;
        }
    }

    private static TestImage busybox() {
        LayerBuilder layer = new LayerBuilder()
                .busybox(APPLETS)
                .dir("etc", 0755)
                .file("etc/passwd", 0644, "root:x:0:0:root:/root:/bin/sh\n")
                .file("etc/group", 0644, "root:x:0:\n")
                .dir("www", 0755)
                .file("www/index.html", 0644, INDEX_HTML)
                .dir("tmp", 01777)
                .dir("root", 0700);
        return TestImage.builder().layer(layer.build(LayerBuilder.Compression.GZIP)).env("PATH=/bin").build();
    }

    Crictl crictl() {
        return crictl;
    }

    BerthdProcess berthd() {
        return berthd;
    }

    /** The image as a user names it: by its local registry. */
    String image() {
        return registry.host() + "/" + REPOSITORY + ":" + TAG;
    }

    /** {@code crictl pull}, as a user does before {@code crictl create}. */
    void pullImage() {
        assertThat(crictl.ok("pull", image()).stdout()).startsWith("Image is up to date for sha256:");
    }

    /** Writes a config file into the scratch dir and returns its path. */
    String write(String name, String json) {
        return scratch.write(name, json).toString();
    }

    Path logDirectory(String pod) {
        try {
            return Files.createDirectories(scratch.resolve("logs").resolve(pod));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** crictl's documentation pod ({@code nginx-sandbox}), with {@code name} and a log dir of its own. */
    String docsPod(String name) {
        return write(name + "-pod.json", """
                {
                  "metadata": {"name": "%s", "namespace": "default", "attempt": 1, "uid": "%s"},
                  "log_directory": "%s",
                  "linux": {}
                }
                """.formatted(name, DOCS_UID, logDirectory(name)));
    }

    /** crictl's documentation container ({@code busybox} running {@code top}) with another command. */
    String docsContainer(String name, String... command) {
        return write(name + "-container.json", """
                {
                  "metadata": {"name": "%s"},
                  "image": {"image": "%s"},
                  "command": %s,
                  "log_path": "%s.0.log",
                  "linux": {}
                }
                """.formatted(name, image(), json(command), name));
    }

    /** {@code crictl runp}: returns the pod id it prints. */
    String runp(String podConfig) {
        return id(crictl.ok("runp", podConfig));
    }

    /** {@code crictl create} then {@code crictl start}: returns the container id. */
    String createAndStart(String pod, String containerConfig, String podConfig) {
        String id = id(crictl.ok("create", pod, containerConfig, podConfig));
        assertThat(crictl.ok("start", id).stdout().trim()).isEqualTo(id);
        return id;
    }

    /** What {@code crictl inspect} shows as the container's state, e.g. CONTAINER_RUNNING. */
    String state(String container) {
        return inspect(container).at("/status/state").asText();
    }

    JsonNode inspect(String container) {
        return parse(crictl.ok("inspect", container).stdout());
    }

    void awaitState(String container, String state) {
        await().atMost(TIMEOUT).until(() -> state(container), state::equals);
    }

    /** The single line a create/runp prints: the new object's id. */
    static String id(CommandResult result) {
        String id = result.stdout().trim();
        assertThat(id).as("%s", result).matches("[0-9a-f]{64}");
        return id;
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + json, e);
        }
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The node's hostname, as a pod without one of its own must see it. */
    static String nodeHostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every pod through {@code crictl rmp -f}, then berthd, then the bridge and the registry. */
    @Override
    public void close() {
        try {
            if (berthd.isAlive()) {
                for (String pod : crictl.ok("pods", "-q").stdout().lines().filter(l -> !l.isBlank()).toList()) {
                    crictl.ok("rmp", "-f", pod);
                }
                berthd.stop();
            }
        } finally {
            bridge.close();
            registry.close();
        }
    }
}

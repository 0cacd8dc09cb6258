package io.berth.e2e.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.e2e.crictl.Crictl;
import io.berth.e2e.fixtures.LayerBuilder;
import io.berth.e2e.fixtures.OciLayout;
import io.berth.e2e.fixtures.TestImage;
import io.berth.e2e.harness.CommandResult;
import io.berth.e2e.harness.CriReadiness;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.harness.HostCommands;
import io.berth.e2e.harness.LoggedProcess;
import io.berth.e2e.harness.ScratchDir;
import io.berth.e2e.harness.ShimHostProcesses;
import io.berth.e2e.harness.TestBridge;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An operator's first hour, in one run and with no registry anywhere: install berth into a staging root, start it
 * the way its systemd unit does (readiness through {@code NOTIFY_SOCKET}), load an image from a {@code docker
 * save}-style archive with {@code berthctl}, run a pod from it with crictl, export the image and load it back,
 * upgrade berth in place under the running pod, and uninstall, leaving nothing behind.
 */
class NodeOperationsE2eTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How a docker archive names the image, and so how CRI clients see it after the import. */
    private static final String ARCHIVE_NAME = "ops/busybox:e2e";
    private static final String IMAGE = "docker.io/" + ARCHIVE_NAME;

    private ScratchDir scratch;
    private TestBridge bridge;
    private LoggedProcess berthd;
    private Crictl crictl;
    private final List<InstalledNode> installs = new ArrayList<>();

    @BeforeEach
    void setUp() {
        E2eSettings.assumeRoot();
        E2eSettings.assumeOwnBerthd();
        scratch = ScratchDir.create("ops-");
        bridge = TestBridge.reserve("bop", 217);
        crictl = Crictl.forSocket(socket(), scratch.path());
    }

    @AfterEach
    void tearDown() {
        try {
            if (berthd != null && berthd.isAlive()) {
                crictl.run("rmp", "--force", "--all");
                berthd.terminate(Duration.ofSeconds(30));
            }
        } finally {
            ShimHostProcesses.killAll(state());
            bridge.close();
            scratch.close();
        }
    }

    @Test
    void installRunFromAnArchiveUpgradeInPlaceAndUninstall() throws Exception {
        InstalledNode first = InstalledNode.install(scratch.resolve("dest"), "/usr/local");
        assertThat(InstalledNode.run(List.of(first.berthd().toString(), "config", "check",
                first.config().toString())).exitCode()).as("the installed config passes `config check`").isZero();
        pointAtTestbed(first.config());

        try (NotifyListener notify = NotifyListener.bind(scratch.resolve("notify.sock"))) {
            berthd = startAsTheUnitDoes(first, notify);
        }
        assertThat(crictl.ok("version").stdout()).containsPattern("(?m)^RuntimeName:\\s+berth$");

        Path dockerArchive = dockerSaveArchive();
        String imported = berthctl(first, "images", "import", dockerArchive.toString()).stdout();
        assertThat(imported).contains(IMAGE);
        JsonNode image = crictlJson("inspecti", IMAGE);
        String imageId = image.at("/status/id").asText();
        assertThat(imageId).as("the image id is the config digest, as after a pull").isEqualTo(busybox().id());

        String pod = crictl.ok("runp", podConfig()).stdout().trim();
        String container = crictl.ok("create", pod, containerConfig(), podConfig()).stdout().trim();
        crictl.ok("start", container);
        await().atMost(TIMEOUT).until(() -> crictl.ok("logs", container).stdout().contains("from-archive"));
        long containerPid = crictlJson("inspect", container).at("/info/pid").asLong();

        Path exported = scratch.resolve("exported.tar");
        berthctl(first, "images", "export", IMAGE, exported.toString());
        assertThat(HostCommands.run("skopeo", "inspect", "--raw", "oci-archive:" + exported))
                .as("skopeo reads the export as an OCI archive").contains(busybox().config().digest());
        String reimported = berthctl(first, "images", "import", exported.toString()).stdout();
        assertThat(reimported).contains(imageId.substring("sha256:".length(), 19));

        InstalledNode next = InstalledNode.install(scratch.resolve("dest-next"), "/opt/berth-next");
        assertThat(berthd.terminate(Duration.ofSeconds(30))).as("berthd stops cleanly").isZero();
        try (NotifyListener notify = NotifyListener.bind(scratch.resolve("notify-next.sock"))) {
            berthd = startAsTheUnitDoes(next, notify);
        }
        assertThat(crictlJson("inspect", container).at("/status/state").asText()).isEqualTo("CONTAINER_RUNNING");
        assertThat(crictlJson("inspect", container).at("/info/pid").asLong()).isEqualTo(containerPid);
        assertThat(crictl.ok("exec", container, "echo", "after-upgrade").stdout()).isEqualTo("after-upgrade\n");
        assertThat(ShimHostProcesses.list(state())).as("the shim hosts").isNotEmpty().allSatisfy(host ->
                assertThat(Files.readString(Path.of("/proc/" + host + "/cmdline")))
                        .as("the host of pid %d runs the new install's jars", host).contains(next.staged("/opt")
                                .toString()));
        assertThat(berthctl(next, "health").stdout()).contains("node");
        assertThat(berthctl(next, "debug", "dump").stdout()).contains(pod).contains(container);

        crictl.ok("rmp", "--force", pod);
        crictl.ok("rmi", IMAGE);
        assertThat(berthd.terminate(Duration.ofSeconds(30))).isZero();
        ShimHostProcesses.killAll(state());
        first.uninstall();
        next.uninstall();
        assertThat(first.stagedFiles()).as("what the first install left: the config the operator edited")
                .containsExactly("etc/berth/config.toml");
        assertThat(next.stagedFiles()).as("what the second install left").isEmpty();
    }

    /** Starts the unit's ExecStart with the test's root, state and socket, and waits for READY=1. */
    private LoggedProcess startAsTheUnitDoes(InstalledNode node, NotifyListener notify) {
        List<String> command = new ArrayList<>(node.execStart());
        command.addAll(List.of("--root", scratch.resolve("root").toString(), "--state", state().toString(),
                "--socket", socket().toString()));
        LoggedProcess process = InstalledNode.start(command, Map.of("NOTIFY_SOCKET", notify.address()),
                scratch.resolve("berthd-" + System.nanoTime() + ".log"));
        String ready = notify.awaitMessageContaining("READY=1", TIMEOUT, process);
        assertThat(ready).contains("MAINPID=" + process.pid());
        assertThat(Files.exists(socket())).as("the CRI socket exists once READY=1 is sent").isTrue();
        CriReadiness.awaitServing("installed berthd", process, socket(), TIMEOUT).close();
        return process;
    }

    /** An operator's edit of the installed config: this test's bridge and subnet instead of the defaults. */
    private void pointAtTestbed(Path config) throws IOException {
        String text = Files.readString(config);
        String edited = text.replaceFirst("(?m)^bridge = .*$", "bridge = \"" + bridge.name() + "\"")
                .replaceFirst("(?m)^subnet = .*$", "subnet = \"" + bridge.subnet() + "\"");
        assertThat(edited).as("the default config names a bridge and a subnet").isNotEqualTo(text);
        Files.writeString(config, edited);
    }

    /** The busybox image written as an OCI layout, then turned into a {@code docker save} archive by skopeo. */
    private Path dockerSaveArchive() {
        Path layout = OciLayout.write(scratch.resolve("layout"), busybox(), "e2e");
        Path archive = scratch.resolve("busybox-docker.tar");
        HostCommands.run("skopeo", "copy", "--quiet", "oci:" + layout + ":e2e",
                "docker-archive:" + archive + ":" + ARCHIVE_NAME);
        return archive;
    }

    private static TestImage busybox() {
        LayerBuilder layer = new LayerBuilder().busybox("sh", "echo", "sleep").dir("tmp", 01777);
        return TestImage.builder().layer(layer.build(LayerBuilder.Compression.GZIP)).env("PATH=/bin").build();
    }

    private String podConfig() {
        return scratch.write("pod.json", """
                {"metadata": {"name": "ops", "namespace": "default", "attempt": 1, "uid": "ops-e2e-uid"},
                 "log_directory": "%s", "linux": {}}
                """.formatted(scratch.resolve("logs"))).toString();
    }

    private String containerConfig() {
        return scratch.write("container.json", """
                {"metadata": {"name": "main"}, "image": {"image": "%s"},
                 "command": ["sh", "-c", "echo from-archive; exec sleep 600"], "log_path": "main.log", "linux": {}}
                """.formatted(IMAGE)).toString();
    }

    private CommandResult berthctl(InstalledNode node, String... args) {
        List<String> command = new ArrayList<>(List.of(node.berthctl().toString(), "--socket",
                state().resolve("admin.sock").toString()));
        command.addAll(List.of(args));
        CommandResult result = InstalledNode.run(command);
        assertThat(result.exitCode()).as("%s", result).isZero();
        return result;
    }

    /** {@code crictl <command> -o json <args>}: crictl takes its flags before the arguments. */
    private JsonNode crictlJson(String command, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of(command, "-o", "json"));
        all.addAll(List.of(args));
        return JSON.readTree(crictl.ok(all.toArray(String[]::new)).stdout());
    }

    private Path state() {
        return scratch.resolve("state");
    }

    private Path socket() {
        return scratch.resolve("berth.sock");
    }
}

package io.berth.server.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.berth.common.error.NotFoundException;
import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.ContainerMetadata;
import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ContainerStatusRequest;
import io.berth.cri.v1.CreateContainerRequest;
import io.berth.cri.v1.ExecSyncRequest;
import io.berth.cri.v1.ExecSyncResponse;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.LinuxPodSandboxConfig;
import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.PodSandbox;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxMetadata;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.RunPodSandboxRequest;
import io.berth.cri.v1.RuntimeServiceGrpc;
import io.berth.cri.v1.StartContainerRequest;
import io.berth.linux.Posix;
import io.berth.server.Daemon;
import io.berth.server.config.BerthConfig;
import io.berth.server.config.ConfigLoader;
import io.berth.server.grpc.InProcessCri;
import io.berth.server.grpc.RpcTable;
import io.berth.snapshotter.Snapshotter;
import io.berth.snapshotter.Snapshotters;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * ExecSync through the in-process CRI server into real containers (needs root). One pod with one
 * long-running container serves every test: each exec leaves the container as it found it.
 */
@Timeout(120) // a hung stream fails its test, not the build
class ExecSyncTest {
    @TempDir
    static Path dir;

    private static Snapshotter snapshotter;
    private static InProcessBerth berth;
    private static InProcessCri cri;
    private static RuntimeServiceGrpc.RuntimeServiceBlockingStub rt;
    private static String running;
    private static String exited;

    @BeforeAll
    static void start() throws Exception {
        assumeThat(Posix.euid()).as("containers need root").isZero();
        berth = new InProcessBerth(dir);
        BerthConfig config = berth.config;
        snapshotter = Snapshotters.open(Snapshotters.Driver.AUTO, config.root().resolve("snapshots"));
        LocalImage image = BusyboxImage.commit(snapshotter, dir, BusyboxImage.config());
        ImageLookup images = ref -> {
            if (ref.equals("test/busybox")) {
                return image;
            }
            throw new NotFoundException("image " + ref + " not found");
        };
        cri = berth.serve(snapshotter, images);
        // Room for a response at the cap: 16 MiB of stdout plus stderr.
        rt = cri.runtime().withMaxInboundMessageSize(64 << 20);
        String pod = rt.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName("exec").setNamespace("ns").setUid("u-exec"))
                .setLogDirectory(dir.resolve("logs").toString())
                .setLinux(LinuxPodSandboxConfig.getDefaultInstance())).build()).getPodSandboxId();
        running = run(pod, "runs", "sleep", "300");
        exited = run(pod, "ends", "true");
        await().atMost(Duration.ofSeconds(30)).until(() -> state(exited) == ContainerState.CONTAINER_EXITED);
    }

    private static String run(String pod, String name, String... command) {
        String id = rt.createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(pod)
                .setConfig(ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName(name))
                        .setImage(ImageSpec.newBuilder().setImage("test/busybox")).addAllCommand(List.of(command))
                        .setLogPath(name + ".log"))
                .build()).getContainerId();
        rt.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    private static ContainerState state(String id) {
        return rt.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build()).getStatus()
                .getState();
    }

    @AfterAll
    static void stop() throws Exception {
        if (cri == null) {
            return;
        }
        for (PodSandbox p : rt.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
            rt.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
        }
        berth.close();
        snapshotter.close();
        assertThat(ContainerRunStatusTest.mountsUnder(dir)).as("nothing stays mounted").isEmpty();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(ContainerRunStatusTest.processesMentioning(dir)).as("no shim outlives its container")
                        .isEmpty());
    }

    private static ExecSyncResponse exec(String id, long timeout, String... cmd) {
        return rt.execSync(ExecSyncRequest.newBuilder().setContainerId(id).addAllCmd(List.of(cmd))
                .setTimeout(timeout).build());
    }

    @Test
    void stdoutStderrAndTheExitCodeComeBack() {
        ExecSyncResponse r = exec(running, 0, "sh", "-c", "echo out; echo err >&2; exit 3");
        assertThat(r.getStdout().toStringUtf8()).isEqualTo("out\n");
        assertThat(r.getStderr().toStringUtf8()).isEqualTo("err\n");
        assertThat(r.getExitCode()).isEqualTo(3);
    }

    @Test
    void outputBeyondTheCapIsCutAndMarkedOnStderr() {
        int wrote = ExecSync.DEFAULT_OUTPUT_CAP + 1000;
        ExecSyncResponse r = exec(running, 30, "sh", "-c", "head -c " + wrote + " /dev/zero | tr '\\0' x; echo fine >&2");
        assertThat(r.getExitCode()).isZero();
        assertThat(r.getStdout().size()).isEqualTo(ExecSync.DEFAULT_OUTPUT_CAP);
        assertThat(r.getStdout().substring(0, 10)).isEqualTo(ByteString.copyFromUtf8("x".repeat(10)));
        assertThat(r.getStderr().toStringUtf8()).startsWith("fine\n")
                .contains("[berth: stdout cut at " + ExecSync.DEFAULT_OUTPUT_CAP + " bytes; the command wrote "
                        + wrote + "]");
    }

    @Test
    void aTimeoutKillsTheCommandAndIsDeadlineExceeded() {
        long before = System.nanoTime();
        assertThatThrownBy(() -> exec(running, 1, "sleep", "100"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                    assertThat(e.getStatus().getDescription()).contains("timeout 1s exceeded");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(10));
        // When the error is returned the command is already gone: no await.
        assertThat(exec(running, 0, "ps").getStdout().toStringUtf8()).doesNotContain("sleep 100")
                .contains("sleep 300");
    }

    @Test
    void aCommandThatDoesNotExistIsANonZeroExitWithAMessage() {
        ExecSyncResponse r = exec(running, 0, "/bin/no-such-command");
        assertThat(r.getExitCode()).isNotZero();
        assertThat(r.getStderr().toStringUtf8()).contains("no-such-command");
    }

    @Test
    void execInAContainerThatIsNotRunningIsAFailedPrecondition() {
        assertThatThrownBy(() -> exec(exited, 0, "true")).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).contains("EXITED");
                });
        assertThatThrownBy(() -> exec(running, 0)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
}

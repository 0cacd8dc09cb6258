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
import io.berth.cri.v1.ContainerStatus;
import io.berth.cri.v1.ContainerStatusRequest;
import io.berth.cri.v1.CreateContainerRequest;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.KeyValue;
import io.berth.cri.v1.LinuxContainerConfig;
import io.berth.cri.v1.LinuxContainerResources;
import io.berth.cri.v1.LinuxContainerSecurityContext;
import io.berth.cri.v1.LinuxPodSandboxConfig;
import io.berth.cri.v1.LinuxSandboxSecurityContext;
import io.berth.cri.v1.ListContainersRequest;
import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.NamespaceOption;
import io.berth.cri.v1.PodSandbox;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxMetadata;
import io.berth.cri.v1.RemoveContainerRequest;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.RunPodSandboxRequest;
import io.berth.cri.v1.RuntimeServiceGrpc;
import io.berth.cri.v1.StartContainerRequest;
import io.berth.cri.v1.StopContainerRequest;
import io.berth.cri.v1.StopPodSandboxRequest;
import io.berth.cri.v1.UpdateContainerResourcesRequest;
import io.berth.linux.Posix;
import io.berth.server.config.BerthConfig;
import io.berth.server.config.ConfigLoader;
import io.berth.server.grpc.InProcessCri;
import io.berth.snapshotter.Snapshotter;
import io.berth.snapshotter.Snapshotters;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Containers run by real shims and runc, through the CRI calls, in-process (needs root, as CI is). */
class ContainerRunStatusTest {
    @TempDir
    Path dir;

    private BerthConfig config;
    private Snapshotter snapshotter;
    private LocalImage image;
    private InProcessCri cri;
    private InProcessBerth berth;
    private RuntimeServiceGrpc.RuntimeServiceBlockingStub rt;

    @BeforeEach
    void start() throws Exception {
        assumeThat(Posix.euid()).as("containers need root").isZero();
        berth = new InProcessBerth(dir);
        config = berth.config;
        snapshotter = Snapshotters.open(Snapshotters.Driver.AUTO, config.root().resolve("snapshots"));
        image = BusyboxImage.commit(snapshotter, dir, BusyboxImage.config());
        serve();
    }

    private void serve() throws Exception {
        ImageLookup images = ref -> {
            if (ref.equals("test/busybox") || ref.equals(BusyboxImage.ID)) {
                return image;
            }
            throw new NotFoundException("image " + ref + " not found");
        };
        cri = berth.serve(snapshotter, images);
        rt = cri.runtime();
    }

    @AfterEach
    void stop() throws Exception {
        if (cri == null) {
            return;
        }
        for (PodSandbox p : rt.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
            rt.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
        }
        berth.close();
        snapshotter.close();
        assertThat(mountsUnder(dir)).as("nothing stays mounted").isEmpty();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(processesMentioning(dir)).as("no shim outlives its container").isEmpty());
    }

    /** Processes whose command line names a path under {@code root}: the shims this test started. */
    static List<String> processesMentioning(Path root) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(a -> String.join(" ", a).contains(root.toString())).orElse(false))
                .map(p -> p.pid() + " " + String.join(" ", p.info().arguments().orElse(new String[0])))
                .toList();
    }

    /** kubelet gives each container the PID mode of its pod; so do these tests. */
    private final java.util.Map<String, NamespaceMode> pidModes = new java.util.HashMap<>();

    private String pod(String name, NamespaceMode pidMode) {
        String id = pod0(name, pidMode);
        pidModes.put(id, pidMode);
        return id;
    }

    private String pod0(String name, NamespaceMode pidMode) {
        return rt.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("ns").setUid("u-" + name))
                .setLogDirectory(dir.resolve("logs/" + name).toString())
                .setLinux(LinuxPodSandboxConfig.newBuilder().setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                        .setNamespaceOptions(NamespaceOption.newBuilder().setPid(pidMode)))))
                .build()).getPodSandboxId();
    }

    private ContainerConfig.Builder container(String name, String... command) {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage("test/busybox"))
                .addAllCommand(List.of(command))
                .setLogPath(name + "/0.log");
    }

    private String create(String pod, ContainerConfig.Builder c) {
        return rt.createContainer(request(pod, c)).getContainerId();
    }

    private CreateContainerRequest request(String pod, ContainerConfig.Builder c) {
        LinuxContainerConfig.Builder linux = c.getLinux().toBuilder();
        linux.getSecurityContextBuilder().getNamespaceOptionsBuilder()
                .setPid(pidModes.getOrDefault(pod, NamespaceMode.CONTAINER));
        c.setLinux(linux);
        return CreateContainerRequest.newBuilder().setPodSandboxId(pod).setConfig(c).build();
    }

    private String run(String pod, ContainerConfig.Builder c) {
        String id = create(pod, c);
        rt.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    private ContainerStatus status(String id) {
        return rt.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build()).getStatus();
    }

    private ContainerStatus awaitExit(String id) {
        await().atMost(Duration.ofSeconds(30)).until(() -> status(id).getState() == ContainerState.CONTAINER_EXITED);
        return status(id);
    }

    private String log(String id) throws Exception {
        return Files.readString(Path.of(status(id).getLogPath()));
    }

    @Test
    void aContainerRunsItsCommandAndItsExitAndOutputAreRecorded() throws Exception {
        String pod = pod("p1", NamespaceMode.CONTAINER);
        String id = create(pod, container("c1", "sh", "-c", "echo to-out; echo to-err >&2; exit 3"));
        assertThat(status(id).getState()).isEqualTo(ContainerState.CONTAINER_CREATED);
        rt.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        ContainerStatus s = awaitExit(id);
        assertThat(s.getExitCode()).isEqualTo(3);
        assertThat(s.getReason()).isEqualTo("Error");
        assertThat(s.getStartedAt()).isPositive();
        assertThat(s.getFinishedAt()).isGreaterThanOrEqualTo(s.getStartedAt());
        assertThat(s.getLogPath()).isEqualTo(dir.resolve("logs/p1/c1/0.log").toString());
        assertThat(s.getImageRef()).isEqualTo(image.ref());
        List<String> lines = Files.readAllLines(Path.of(s.getLogPath()));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches(
                "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+Z stdout F to-out"));
        assertThat(lines).anySatisfy(l -> assertThat(l).endsWith(" stderr F to-err"));
    }

    @Test
    void argsEnvWorkdirAndUserAreWhatTheContainerSees() throws Exception {
        String pod = pod("p2", NamespaceMode.CONTAINER);
        String id = run(pod, container("c2", "sh", "-c", "id; pwd; echo FOO=$FOO IMG=$FROM_IMAGE")
                .setWorkingDir("/tmp")
                .addEnvs(KeyValue.newBuilder().setKey("FOO").setValue(ByteString.copyFromUtf8("bar")))
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(LinuxContainerSecurityContext.newBuilder()
                        .setRunAsUsername("app"))));
        assertThat(awaitExit(id).getExitCode()).isZero();
        assertThat(log(id)).contains("uid=1234(app) gid=1234(app) groups=1234(app),2000(extra)")
                .contains("stdout F /tmp").contains("FOO=bar IMG=yes");
        assertThat(status(id).getUser().getLinux().getUid()).isEqualTo(1234);
    }

    @Test
    void aReadOnlyRootfsAndTheDefaultCapabilitiesHold() throws Exception {
        String pod = pod("p3", NamespaceMode.CONTAINER);
        String id = run(pod, container("c3", "sh", "-c", "touch /x || echo cannot-write; grep CapBnd /proc/1/status")
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(LinuxContainerSecurityContext.newBuilder()
                        .setReadonlyRootfs(true))));
        awaitExit(id);
        // containerd's 14 default capabilities: CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID
        // SETFCAP SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE
        assertThat(log(id)).contains("cannot-write").contains("CapBnd:\t00000000a80425fb");
    }

    @Test
    void stopSendsTheSignalThenKillsAfterTheGracePeriodAndIsIdempotent() throws Exception {
        String pod = pod("p4", NamespaceMode.CONTAINER);
        String polite = run(pod, container("polite", "sleep", "300"));
        String stubborn = run(pod, container("stubborn", "sh", "-c", "trap '' TERM; while true; do sleep 1; done"));
        await().until(() -> status(stubborn).getState() == ContainerState.CONTAINER_RUNNING);
        rt.stopContainer(StopContainerRequest.newBuilder().setContainerId(polite).setTimeout(10).build());
        assertThat(status(polite).getExitCode()).isEqualTo(137).as("pid 1 ignores SIGTERM without a handler");
        rt.stopContainer(StopContainerRequest.newBuilder().setContainerId(stubborn).setTimeout(1).build());
        assertThat(status(stubborn).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        assertThat(status(stubborn).getExitCode()).isEqualTo(137);
        rt.stopContainer(StopContainerRequest.newBuilder().setContainerId(stubborn).setTimeout(1).build());
    }

    @Test
    void aMemoryLimitLandsInTheCgroupAndCanBeUpdatedLive() throws Exception {
        String pod = pod("p5", NamespaceMode.CONTAINER);
        String id = run(pod, container("m", "sleep", "300").setLinux(LinuxContainerConfig.newBuilder()
                .setResources(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(64L << 20))));
        await().until(() -> status(id).getState() == ContainerState.CONTAINER_RUNNING);
        Path limit = memoryCgroupOf(pid(id)).resolve("memory.limit_in_bytes");
        assertThat(Files.readString(limit).trim()).isEqualTo(Long.toString(64L << 20));
        rt.updateContainerResources(UpdateContainerResourcesRequest.newBuilder().setContainerId(id)
                .setLinux(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(96L << 20)).build());
        assertThat(Files.readString(limit).trim()).isEqualTo(Long.toString(96L << 20));
        assertThat(status(id).getResources().getLinux().getMemoryLimitInBytes()).isEqualTo(96L << 20);
    }

    @Test
    void aContainerOverItsMemoryLimitIsOomKilled() throws Exception {
        String pod = pod("p6", NamespaceMode.CONTAINER);
        String id = run(pod, container("hog", "sh", "-c", "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo $x")
                .setLinux(LinuxContainerConfig.newBuilder()
                        .setResources(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(32L << 20))));
        ContainerStatus s = awaitExit(id);
        assertThat(s.getReason()).isEqualTo("OOMKilled");
        assertThat(s.getExitCode()).isEqualTo(137);
    }

    @Test
    void containersOfAPodInPodPidModeSeeEachOther() throws Exception {
        String pod = pod("p7", NamespaceMode.POD);
        run(pod, container("sleeper", "sleep", "300"));
        String looker = run(pod, container("looker", "sh", "-c", "sleep 1; ps"));
        assertThat(awaitExit(looker).getExitCode()).isZero();
        assertThat(log(looker)).contains("sleep 300").contains("catatonit");
    }

    @Test
    void anImageCanBeMountedReadOnlyAsAVolumeAndGoesWithTheContainer() throws Exception {
        String pod = pod("p12", NamespaceMode.CONTAINER);
        String id = run(pod, container("vol", "sh", "-c", "cat /vol/passwd; touch /vol/x || echo read-only")
                .addMounts(io.berth.cri.v1.Mount.newBuilder().setContainerPath("/vol").setReadonly(true)
                        .setImage(ImageSpec.newBuilder().setImage("test/busybox")).setImageSubPath("etc")));
        assertThat(awaitExit(id).getExitCode()).isZero();
        assertThat(log(id)).contains("app:x:1234:1234").contains("read-only");
        // The status names the image that was mounted, by id, as kubelet shows it for the pod's volume.
        assertThat(rt.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build()).getStatus()
                .getMounts(0).getImage().getImageRef()).startsWith("sha256:")
                .isEqualTo(rt.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build())
                        .getStatus().getImageId());
        assertThat(snapshotter.list()).extracting(i -> i.name()).anyMatch(n -> n.startsWith("imgvol-" + id));
        expectCreate(pod, container("vol2", "true").addMounts(io.berth.cri.v1.Mount.newBuilder().setContainerPath("/v")
                .setReadonly(true).setImage(ImageSpec.newBuilder().setImage("test/busybox")).setImageSubPath("no/such")),
                Status.Code.NOT_FOUND, "image_sub_path 'no/such'");
        expectCreate(pod, container("vol3", "true").addMounts(io.berth.cri.v1.Mount.newBuilder().setContainerPath("/v")
                .setImage(ImageSpec.newBuilder().setImage("test/busybox"))),
                Status.Code.INVALID_ARGUMENT, "an image volume is read-only");
        rt.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
        assertThat(snapshotter.list()).extracting(i -> i.name()).noneMatch(n -> n.startsWith("imgvol-"));
    }

    private void expectCreate(String pod, ContainerConfig.Builder c, Status.Code code, String text) {
        expect(request(pod, c), code, text);
    }

    @Test
    void removeTakesEverythingAwayAndIsIdempotent() throws Exception {
        String pod = pod("p8", NamespaceMode.CONTAINER);
        String id = run(pod, container("gone", "sleep", "300"));
        Path runDir = config.state().resolve("containers").resolve(id.substring(0, 16));
        assertThat(runDir).isDirectory();
        rt.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
        rt.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
        assertThat(runDir).doesNotExist();
        assertThat(snapshotter.list()).extracting(i -> i.name()).doesNotContain("container-" + id);
        assertThat(rt.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()).isEmpty();
    }

    @Test
    void runningContainersSurviveARestartAndExitsWhileDownAreRecorded() throws Exception {
        String pod = pod("p9", NamespaceMode.CONTAINER);
        String stays = run(pod, container("stays", "sleep", "300"));
        String ends = run(pod, container("ends", "sh", "-c", "sleep 2; exit 7"));
        await().until(() -> status(ends).getState() == ContainerState.CONTAINER_RUNNING);
        berth.stopServing(); // berthd "dies": nothing is stopped
        await().atMost(Duration.ofSeconds(20)).until(() -> exitRecorded(ends));
        serve();
        assertThat(status(stays).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        ContainerStatus ended = awaitExit(ends);
        assertThat(ended.getExitCode()).isEqualTo(7);
        rt.stopContainer(StopContainerRequest.newBuilder().setContainerId(stays).setTimeout(0).build());
        assertThat(status(stays).getExitCode()).isEqualTo(137);
    }

    @Test
    void badRequestsAreRefusedClearlyAndLeaveNothing() throws Exception {
        String pod = pod("p10", NamespaceMode.CONTAINER);
        expect(request(pod, container("x", "true").setImage(ImageSpec.newBuilder().setImage("nope:1"))),
                Status.Code.NOT_FOUND, "image nope:1 not found");
        expect(request("f".repeat(64), container("x", "true")), Status.Code.NOT_FOUND, "pod sandbox");
        expect(request(pod, container("x", "true")
                .addMounts(io.berth.cri.v1.Mount.newBuilder().setHostPath("/no/such/dir").setContainerPath("/m"))), Status.Code.NOT_FOUND, "/no/such/dir");
        create(pod, container("dup", "true"));
        expect(request(pod, container("dup", "true")),
                Status.Code.ALREADY_EXISTS, "dup");
        String stopped = pod("p11", NamespaceMode.CONTAINER);
        rt.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(stopped).build());
        expect(request(stopped, container("x", "true")),
                Status.Code.FAILED_PRECONDITION, "not ready");
        expect(request(pod, container("../x", "true")),
                Status.Code.INVALID_ARGUMENT, "config.metadata.name");
        // Only the one good container left anything.
        assertThat(rt.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()).hasSize(1);
        try (var runDirs = Files.list(config.state().resolve("containers"))) {
            assertThat(runDirs).hasSize(1);
        }
        assertThat(snapshotter.list()).filteredOn(i -> i.name().startsWith("container-")).hasSize(1);
    }

    private boolean exitRecorded(String id) {
        try {
            return io.berth.shim.client.ShimClient.recordedExit(config.state().resolve("containers").resolve(id.substring(0, 16)))
                    .isPresent();
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private void expect(CreateContainerRequest request, Status.Code code, String text) {
        assertThatThrownBy(() -> rt.createContainer(request)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(code);
                    assertThat(e.getStatus().getDescription()).contains(text);
                });
    }

    private int pid(String id) throws Exception {
        String info = rt.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).setVerbose(true)
                .build()).getInfoOrThrow("info");
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(info).get("pid").asInt();
    }

    private static Path memoryCgroupOf(int pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            String[] f = line.split(":", 3);
            if (f[1].equals("memory")) {
                return Path.of("/sys/fs/cgroup/memory" + f[2]);
            }
        }
        throw new AssertionError("no memory cgroup for " + pid);
    }

    static List<String> mountsUnder(Path root) throws Exception {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(l -> l.split(" ")[4])
                .filter(m -> m.startsWith(root.toString())).toList();
    }
}

package io.berth.server.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.berth.cri.v1.DNSConfig;
import io.berth.cri.v1.LinuxPodSandboxConfig;
import io.berth.cri.v1.LinuxSandboxSecurityContext;
import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.NamespaceOption;
import io.berth.cri.v1.PodSandbox;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxFilter;
import io.berth.cri.v1.PodSandboxMetadata;
import io.berth.cri.v1.PodSandboxState;
import io.berth.cri.v1.PodSandboxStateValue;
import io.berth.cri.v1.PodSandboxStatus;
import io.berth.cri.v1.PodSandboxStatusRequest;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.RunPodSandboxRequest;
import io.berth.cri.v1.RuntimeServiceGrpc;
import io.berth.cri.v1.StopPodSandboxRequest;
import io.berth.cri.v1.UserNamespace;
import io.berth.linux.Namespaces;
import io.berth.linux.Posix;
import io.berth.server.config.BerthConfig;
import io.berth.server.config.ConfigLoader;
import io.berth.server.container.ContainerStore;
import io.berth.server.grpc.InProcessCri;
import io.berth.server.grpc.RpcTable;
import io.berth.server.rpc.ListPodSandboxRpc;
import io.berth.server.rpc.PodSandboxStatusRpc;
import io.berth.server.rpc.RemovePodSandboxRpc;
import io.berth.server.rpc.RunPodSandboxRpc;
import io.berth.server.rpc.StopPodSandboxRpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sandboxes with real namespaces and mounts through the CRI calls (needs root, as CI is). */
class SandboxLifecycleTest {
    @TempDir
    Path dir;

    private InProcessCri cri;
    private RuntimeServiceGrpc.RuntimeServiceBlockingStub rt;
    private BerthConfig config;

    @BeforeEach
    void start() throws Exception {
        assumeThat(Posix.euid()).as("sandboxes need root").isZero();
        config = ConfigLoader.defaults().withPaths(dir.resolve("root"), dir.resolve("state"), dir.resolve("s.sock"));
        cri = serve();
        rt = cri.runtime();
    }

    private InProcessCri serve() throws Exception {
        SandboxStore store = new SandboxStore(config.root().resolve("sandboxes"));
        SandboxRecovery.reconcile(store, NO_INFRA);
        SandboxRecovery.removeOrphans(config.state(), store, NO_INFRA);
        SandboxMembers none = new SandboxMembers() {
            @Override
            public void stopAll(String id) {}

            @Override
            public void removeAll(String id) {}
        };
        SandboxTeardown teardown = new SandboxTeardown(store, PodNetwork.NONE, none, NO_INFRA);
        Clock clock = Clock.systemUTC();
        return new InProcessCri(new RpcTable((r, c, n) -> { })
                .unary(RuntimeServiceGrpc.getRunPodSandboxMethod(),
                        new RunPodSandboxRpc(new SandboxCreator(config, store, PodNetwork.NONE, NO_INFRA, clock)))
                .unary(RuntimeServiceGrpc.getStopPodSandboxMethod(), new StopPodSandboxRpc(teardown))
                .unary(RuntimeServiceGrpc.getRemovePodSandboxMethod(), new RemovePodSandboxRpc(teardown))
                .unary(RuntimeServiceGrpc.getPodSandboxStatusMethod(), new PodSandboxStatusRpc(store,
                        new ContainerStore(dir.resolve("containers")), clock))
                .unary(RuntimeServiceGrpc.getListPodSandboxMethod(), new ListPodSandboxRpc(store)));
    }

    /** Pods here use PID mode CONTAINER semantics for the init: the real init is tested with containers. */
    private static final SandboxInit NO_INFRA = new SandboxInit() {
        @Override
        public int start(SandboxMetadata sandbox) {
            return 0;
        }

        @Override
        public void stop(SandboxMetadata sandbox) {}

        @Override
        public void stopOrphan(Path sandboxDir) {}

        @Override
        public boolean isRunning(SandboxMetadata sandbox) {
            return false;
        }
    };

    @AfterEach
    void stop() throws Exception {
        if (cri != null) {
            for (PodSandbox p : rt.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
                rt.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
            }
            cri.close();
        }
    }

    private static PodSandboxConfig.Builder pod(String name) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("default").setUid("uid-" + name))
                .setHostname(name + "-host")
                .putLabels("app", name)
                .putAnnotations("note", "kept as is")
                .setDnsConfig(DNSConfig.newBuilder().addServers("10.96.0.10").addSearches("default.svc.cluster.local")
                        .addOptions("ndots:5"));
    }

    private String run(PodSandboxConfig.Builder pod) {
        return rt.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).build()).getPodSandboxId();
    }

    private PodSandboxStatus status(String id) {
        return rt.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build()).getStatus();
    }

    @Test
    void aPodInTheHostsUserNamespaceAsKubeletAsksForItRuns() {
        String id = run(pod("userns-node").setLinux(LinuxPodSandboxConfig.newBuilder().setSecurityContext(
                LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(NamespaceOption.newBuilder()
                        .setUsernsOptions(UserNamespace.newBuilder().setMode(NamespaceMode.NODE))))));
        assertThat(status(id).getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
        rt.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        rt.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    }

    @Test
    void aPodWithoutAHostnameGetsTheNodesEvenWhenItsNameIsLongerThanAHostName() throws Exception {
        // critest names its pods like this: 67 characters, too long for a host name.
        String name = "create-PodSandbox-for-container-0123456789abcdef0123456789abcdef0";
        String id = run(pod(name).clearHostname());
        SandboxPaths paths = SandboxPaths.of(config.state(), id);
        String node = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        assertThat(Namespaces.runIn(Namespaces.Kind.UTS, paths.utsns(),
                () -> Files.readString(Path.of("/proc/sys/kernel/hostname")).trim())).isEqualTo(node);
        assertThat(paths.hostname()).hasContent(node + "\n");
        rt.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        rt.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    }

    @Test
    void aPodGetsPinnedNamespacesShmAndEtcFilesThenStopsAndGoes() throws Exception {
        String id = run(pod("web"));
        PodSandboxStatus s = status(id);
        assertThat(s.getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
        assertThat(s.getMetadata().getName()).isEqualTo("web");
        assertThat(s.getLabelsMap()).containsEntry("app", "web");
        assertThat(s.getAnnotationsMap()).containsEntry("note", "kept as is");
        assertThat(s.getRuntimeHandler()).isEqualTo("runc");

        SandboxPaths paths = SandboxPaths.of(config.state(), id);
        assertThat(Namespaces.isPinned(paths.netns())).isTrue();
        assertThat(Namespaces.isPinned(paths.ipcns())).isTrue();
        assertThat(Namespaces.runIn(Namespaces.Kind.UTS, paths.utsns(),
                () -> Files.readString(Path.of("/proc/sys/kernel/hostname")).trim())).isEqualTo("web-host");
        assertThat(mountedUnder(paths.dir())).contains(paths.shm().toString());
        assertThat(paths.resolvConf()).hasContent(
                "search default.svc.cluster.local\nnameserver 10.96.0.10\noptions ndots:5");
        assertThat(Files.readString(paths.hosts())).contains("web-host");

        rt.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        rt.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        assertThat(status(id).getState()).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
        assertThat(mountedUnder(dir)).isEmpty();

        rt.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        rt.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        assertThat(paths.dir()).doesNotExist();
        assertThatThrownBy(() -> status(id)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void aRetriedRunReturnsTheSameSandbox() {
        String first = run(pod("retry"));
        assertThat(run(pod("retry"))).isEqualTo(first);
        assertThat(rt.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()).hasSize(1);
    }

    @Test
    void listFiltersByIdPrefixStateAndLabels() {
        String a = run(pod("a"));
        String b = run(pod("b"));
        rt.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(b).build());
        assertThat(list(PodSandboxFilter.newBuilder().setId(a.substring(0, 12)))).containsExactly(a);
        assertThat(list(PodSandboxFilter.newBuilder().setState(
                PodSandboxStateValue.newBuilder().setState(PodSandboxState.SANDBOX_NOTREADY)))).containsExactly(b);
        assertThat(list(PodSandboxFilter.newBuilder().putLabelSelector("app", "a"))).containsExactly(a);
        assertThat(list(PodSandboxFilter.newBuilder().putLabelSelector("app", "zzz"))).isEmpty();
        assertThat(list(PodSandboxFilter.newBuilder())).containsExactly(a, b);
    }

    @Test
    void hostNetworkAndIpcPodsPinNothing() throws Exception {
        String id = run(pod("host").setLinux(LinuxPodSandboxConfig.newBuilder().setSecurityContext(
                LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(NamespaceOption.newBuilder()
                        .setNetwork(NamespaceMode.NODE).setIpc(NamespaceMode.NODE).setPid(NamespaceMode.NODE)))));
        SandboxPaths paths = SandboxPaths.of(config.state(), id);
        assertThat(paths.netns()).doesNotExist();
        assertThat(paths.ipcns()).doesNotExist();
        assertThat(mountedUnder(dir)).isEmpty();
        assertThat(status(id).getLinux().getNamespaces().getOptions().getNetwork()).isEqualTo(NamespaceMode.NODE);
    }

    @Test
    void recordsSurviveARestartAndLostNamespacesMeanNotReady() throws Exception {
        String kept = run(pod("kept"));
        String lost = run(pod("lost"));
        SandboxPaths lostPaths = SandboxPaths.of(config.state(), lost);
        Namespaces.removePinned(lostPaths.netns());
        cri.close();
        cri = serve();
        rt = cri.runtime();
        assertThat(status(kept).getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
        assertThat(status(lost).getState()).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
    }

    @Test
    void aSandboxDirNoRecordOwnsIsTakenDownAtStart() throws Exception {
        String kept = run(pod("kept"));
        // What a berthd killed inside RunPodSandbox leaves: pinned namespaces and /dev/shm, but no record.
        SandboxPaths orphan = SandboxPaths.of(config.state(), "0123456789abcdef".repeat(4));
        Files.createDirectories(orphan.dir().resolve("ns"));
        Namespaces.createPinned(Namespaces.Kind.NET, orphan.netns(), null);
        Namespaces.createPinned(Namespaces.Kind.UTS, orphan.utsns(), "orphan");
        Namespaces.createPinned(Namespaces.Kind.IPC, orphan.ipcns(), null);
        Files.createDirectories(orphan.shm());
        io.berth.linux.Tmpfs.mount(orphan.shm(), 1 << 20, 01777);

        cri.close();
        cri = serve();
        rt = cri.runtime();
        assertThat(io.berth.linux.MountTable.mountPointsUnder(orphan.dir())).isEmpty();
        assertThat(orphan.dir()).doesNotExist();
        SandboxPaths keptPaths = SandboxPaths.of(config.state(), kept);
        assertThat(Namespaces.isPinned(keptPaths.netns())).isTrue();
        assertThat(status(kept).getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
    }

    @Test
    void thePodsSysctlsAreAdmittedOnceAndKeptWithTheSandboxUnderTheirDottedNames() throws Exception {
        String id = run(pod("tuned").setLinux(LinuxPodSandboxConfig.newBuilder()
                .putSysctls("net/ipv4/ping_group_range", "0 2147483647").putSysctls("kernel.shm_rmid_forced", "1")));
        assertThat(new SandboxStore(config.root().resolve("sandboxes")).get(id).metadata().sysctls()).containsExactly(
                entry("kernel.shm_rmid_forced", "1"), entry("net.ipv4.ping_group_range", "0 2147483647"));
    }

    @Test
    void badRequestsAreRefusedAndLeaveNothing() throws Exception {
        expect(RunPodSandboxRequest.getDefaultInstance(), Status.Code.INVALID_ARGUMENT, "config is required");
        expect(RunPodSandboxRequest.newBuilder().setConfig(pod("x").clearMetadata()).build(),
                Status.Code.INVALID_ARGUMENT, "config.metadata is required");
        expect(RunPodSandboxRequest.newBuilder().setConfig(pod("x")).setRuntimeHandler("kata").build(),
                Status.Code.NOT_FOUND, "runtime handler 'kata' is not configured");
        expect(RunPodSandboxRequest.newBuilder().setConfig(pod("x").setLinux(LinuxPodSandboxConfig.newBuilder()
                .putSysctls("kernel.panic", "1"))).build(), Status.Code.INVALID_ARGUMENT, "not a namespaced sysctl");
        expect(RunPodSandboxRequest.newBuilder().setConfig(pod("x").setLinux(LinuxPodSandboxConfig.newBuilder()
                .putSysctls("net.ipv4.ip_forward", "1\nkernel.panic=1"))).build(),
                Status.Code.INVALID_ARGUMENT, "free of control characters");
        expect(RunPodSandboxRequest.newBuilder().setConfig(pod("x").setDnsConfig(DNSConfig.newBuilder()
                .addServers("1.1.1.1\nnameserver 6.6.6.6"))).build(), Status.Code.INVALID_ARGUMENT, "resolv.conf");
        expect(RunPodSandboxRequest.newBuilder().setConfig(pod("x").setHostname("bad_host!")).build(),
                Status.Code.INVALID_ARGUMENT, "config.hostname");
        expect(RunPodSandboxRequest.newBuilder().setConfig(pod("x").setLinux(LinuxPodSandboxConfig.newBuilder()
                .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                        NamespaceOption.newBuilder().setUsernsOptions(UserNamespace.newBuilder()
                                .setMode(NamespaceMode.POD)))))).build(),
                Status.Code.FAILED_PRECONDITION, "userns_options: mode POD asks for a user namespace");
        assertThat(mountedUnder(dir)).isEmpty();
        Path sandboxes = config.state().resolve("sandboxes");
        if (Files.exists(sandboxes)) {
            try (Stream<Path> left = Files.list(sandboxes)) {
                assertThat(left).isEmpty();
            }
        }
        assertThat(rt.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()).isEmpty();
        // The name is free again after a failure.
        assertThat(run(pod("x"))).hasSize(64);
    }

    private void expect(RunPodSandboxRequest request, Status.Code code, String message) {
        assertThatThrownBy(() -> rt.runPodSandbox(request)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(message);
        });
    }

    private List<String> list(PodSandboxFilter.Builder filter) {
        return rt.listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(filter).build()).getItemsList().stream()
                .map(PodSandbox::getId).toList();
    }

    /** Mount points under {@code root}, from this process's mountinfo. */
    static List<String> mountedUnder(Path root) throws Exception {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .map(l -> l.split(" ")[4])
                .filter(m -> m.startsWith(root.toString()))
                .toList();
    }
}

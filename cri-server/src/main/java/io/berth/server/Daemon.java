package io.berth.server;

import io.berth.cri.v1.ImageServiceGrpc;
import io.berth.cri.v1.RuntimeServiceGrpc;
import io.berth.server.config.BerthConfig;
import io.berth.server.grpc.RpcObserver;
import io.berth.server.grpc.RpcTable;
import io.berth.server.grpc.UnixSocketServer;
import io.berth.server.rpc.RuntimeConfigRpc;
import io.berth.server.rpc.StatusRpc;
import io.berth.server.rpc.UpdateRuntimeConfigRpc;
import io.berth.server.rpc.VersionRpc;
import io.berth.server.runtime.NetworkReadiness;
import io.berth.server.runtime.PodCidr;
import io.berth.server.runtime.RuntimeReadiness;
import io.berth.server.rpc.ListPodSandboxRpc;
import io.berth.server.rpc.PodSandboxStatusRpc;
import io.berth.server.rpc.RemovePodSandboxRpc;
import io.berth.server.rpc.RunPodSandboxRpc;
import io.berth.server.rpc.StopPodSandboxRpc;
import io.berth.server.sandbox.PodNetwork;
import io.berth.server.sandbox.SandboxCreator;
import io.berth.server.sandbox.SandboxRecovery;
import io.berth.server.sandbox.SandboxStore;
import io.berth.server.sandbox.SandboxTeardown;
import io.berth.common.error.NotFoundException;
import io.berth.server.container.ContainerControl;
import io.berth.server.container.ContainerService;
import io.berth.server.container.ImageLookup;
import io.berth.server.container.spec.HostFacts;
import io.berth.server.exec.ExecSync;
import io.berth.server.rpc.ContainerStatusRpc;
import io.berth.server.rpc.CreateContainerRpc;
import io.berth.server.rpc.ExecSyncRpc;
import io.berth.server.rpc.ListContainersRpc;
import io.berth.server.rpc.RemoveContainerRpc;
import io.berth.server.rpc.ReopenContainerLogRpc;
import io.berth.server.rpc.StartContainerRpc;
import io.berth.server.rpc.StopContainerRpc;
import io.berth.server.rpc.UpdateContainerResourcesRpc;
import io.berth.server.runtime.HostProbe;
import io.berth.snapshotter.Snapshotter;
import io.berth.snapshotter.Snapshotters;
import java.io.IOException;
import java.time.Clock;
import java.util.logging.Logger;

/** The composition root: builds every collaborator once, binds the RPCs, and owns the server's lifetime. */
public final class Daemon {
    private static final Logger LOG = Logger.getLogger(Daemon.class.getName());

    private final BerthConfig config;
    private final RootDirs dirs;
    private final UnixSocketServer server;

    private Daemon(BerthConfig config, RootDirs dirs, UnixSocketServer server) {
        this.config = config;
        this.dirs = dirs;
        this.server = server;
    }

    public static Daemon start(BerthConfig config) throws IOException {
        RootDirs dirs = RootDirs.claim(config.root(), config.state());
        try {
            RpcTable table = bindRpcs(config, Clock.systemUTC(), new RpcTable(RpcObserver.debugLog()));
            UnixSocketServer server = UnixSocketServer.start(config.socket(),
                    table.build(RuntimeServiceGrpc.getServiceDescriptor(), ImageServiceGrpc.getServiceDescriptor()),
                    builder -> { });
            LOG.info("berthd " + BuildInfo.version() + " serving CRI on unix://" + config.socket()
                    + " (root " + config.root() + ", state " + config.state() + ")");
            return new Daemon(config, dirs, server);
        } catch (IOException | RuntimeException e) {
            dirs.close();
            throw e;
        }
    }

    /** Every RPC berth implements, bound to its collaborators. Unbound RPCs answer UNIMPLEMENTED. */
    static RpcTable bindRpcs(BerthConfig config, Clock clock, RpcTable table) throws IOException {
        Snapshotter snapshotter = Snapshotters.open(Snapshotters.Driver.AUTO, config.root().resolve("snapshots"));
        ImageLookup images = reference -> {
            throw new NotFoundException("image " + reference + " not found: berth has no image store in this build");
        };
        return bindRpcs(config, clock, table, snapshotter, images);
    }

    /** The same, with the snapshotter and the image lookup given (tests bring their own images). */
    public static RpcTable bindRpcs(BerthConfig config, Clock clock, RpcTable table, Snapshotter snapshotter,
            ImageLookup images) throws IOException {
        PodCidr podCidr = new PodCidr();
        HostFacts host = HostProbe.detect(config);
        SandboxStore sandboxes = new SandboxStore(config.root().resolve("sandboxes"));
        ContainerService containers = new ContainerService(config, sandboxes, images, snapshotter, host, clock);
        SandboxRecovery.reconcile(sandboxes, containers.infra());
        containers.recover();
        PodNetwork network = PodNetwork.NONE;
        SandboxTeardown sandboxTeardown = new SandboxTeardown(sandboxes, network, containers.control(),
                containers.infra());
        ContainerControl control = containers.control();
        return table
                .unary(RuntimeServiceGrpc.getVersionMethod(), new VersionRpc())
                .unary(RuntimeServiceGrpc.getStatusMethod(), new StatusRpc(config, new RuntimeReadiness(config),
                        NetworkReadiness.noPlugin(), podCidr))
                .unary(RuntimeServiceGrpc.getRuntimeConfigMethod(), new RuntimeConfigRpc(config))
                .unary(RuntimeServiceGrpc.getUpdateRuntimeConfigMethod(), new UpdateRuntimeConfigRpc(podCidr))
                .unary(RuntimeServiceGrpc.getRunPodSandboxMethod(), new RunPodSandboxRpc(
                        new SandboxCreator(config, sandboxes, network, containers.infra(), clock)))
                .unary(RuntimeServiceGrpc.getStopPodSandboxMethod(), new StopPodSandboxRpc(sandboxTeardown))
                .unary(RuntimeServiceGrpc.getRemovePodSandboxMethod(), new RemovePodSandboxRpc(sandboxTeardown))
                .unary(RuntimeServiceGrpc.getPodSandboxStatusMethod(), new PodSandboxStatusRpc(sandboxes, clock))
                .unary(RuntimeServiceGrpc.getListPodSandboxMethod(), new ListPodSandboxRpc(sandboxes))
                .unary(RuntimeServiceGrpc.getCreateContainerMethod(), new CreateContainerRpc(containers.creator()))
                .unary(RuntimeServiceGrpc.getStartContainerMethod(), new StartContainerRpc(control))
                .unary(RuntimeServiceGrpc.getStopContainerMethod(), new StopContainerRpc(control))
                .unary(RuntimeServiceGrpc.getRemoveContainerMethod(), new RemoveContainerRpc(control))
                .unary(RuntimeServiceGrpc.getContainerStatusMethod(), new ContainerStatusRpc(containers.store()))
                .unary(RuntimeServiceGrpc.getListContainersMethod(), new ListContainersRpc(containers.store()))
                .unary(RuntimeServiceGrpc.getReopenContainerLogMethod(), new ReopenContainerLogRpc(control))
                .unary(RuntimeServiceGrpc.getUpdateContainerResourcesMethod(),
                        new UpdateContainerResourcesRpc(control, containers.liveResources()))
                .unary(RuntimeServiceGrpc.getExecSyncMethod(), new ExecSyncRpc(
                        new ExecSync(containers.store(), containers.shims(), ExecSync.DEFAULT_OUTPUT_CAP)));
    }

    /** Stops serving: in-flight RPCs get the configured grace period, then the root is released. */
    public void stop() throws IOException, InterruptedException {
        LOG.info("stopping: in-flight calls get up to " + config.shutdownGraceSeconds() + "s");
        server.stop(config.shutdownGraceSeconds());
        dirs.close();
        LOG.info("stopped");
    }
}

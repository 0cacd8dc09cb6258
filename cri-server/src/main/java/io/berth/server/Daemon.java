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
import io.berth.server.image.ImageSystem;
import io.berth.server.image.StoreImageLookup;
import io.berth.server.image.reclaim.ImageUsers;
import io.berth.server.rpc.ImageFsInfoRpc;
import io.berth.server.rpc.ImageStatusRpc;
import io.berth.server.rpc.ListImagesRpc;
import io.berth.server.rpc.PullImageRpc;
import io.berth.server.rpc.RemoveImageRpc;
import io.berth.server.container.ContainerControl;
import io.berth.server.container.ContainerService;
import io.berth.server.container.ImageLookup;
import io.berth.server.container.spec.HostFacts;
import io.berth.server.rpc.ContainerStatusRpc;
import io.berth.server.rpc.CreateContainerRpc;
import io.berth.server.rpc.ListContainersRpc;
import io.berth.server.rpc.RemoveContainerRpc;
import io.berth.server.rpc.ReopenContainerLogRpc;
import io.berth.server.rpc.StartContainerRpc;
import io.berth.server.rpc.StopContainerRpc;
import io.berth.server.rpc.UpdateContainerResourcesRpc;
import io.berth.server.runtime.HostProbe;
import io.berth.snapshotter.Snapshotter;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/** The composition root: builds every collaborator once, binds the RPCs, and owns the server's lifetime. */
public final class Daemon {
    private static final Logger LOG = Logger.getLogger(Daemon.class.getName());

    private final BerthConfig config;
    private final RootDirs dirs;
    private final UnixSocketServer server;
    private final List<AutoCloseable> components;

    private Daemon(BerthConfig config, RootDirs dirs, UnixSocketServer server, List<AutoCloseable> components) {
        this.config = config;
        this.dirs = dirs;
        this.server = server;
        this.components = components;
    }

    public static Daemon start(BerthConfig config) throws IOException {
        RootDirs dirs = RootDirs.claim(config.root(), config.state());
        List<AutoCloseable> components = new ArrayList<>();
        try {
            RpcTable table = bindRpcs(config, Clock.systemUTC(), new RpcTable(RpcObserver.debugLog()), components);
            UnixSocketServer server = UnixSocketServer.start(config.socket(),
                    table.build(RuntimeServiceGrpc.getServiceDescriptor(), ImageServiceGrpc.getServiceDescriptor()),
                    builder -> { });
            LOG.info("berthd " + BuildInfo.version() + " serving CRI on unix://" + config.socket()
                    + " (root " + config.root() + ", state " + config.state() + ")");
            return new Daemon(config, dirs, server, components);
        } catch (IOException | RuntimeException e) {
            closeAll(components);
            dirs.close();
            throw e;
        }
    }

    /** Every RPC berth implements, bound to its collaborators. Unbound RPCs answer UNIMPLEMENTED. */
    static RpcTable bindRpcs(BerthConfig config, Clock clock, RpcTable table, List<AutoCloseable> components)
            throws IOException {
        // TODO(containers): report the images containers use, so removal can log them; removal is allowed either way.
        ImageSystem images = ImageSystem.open(config, ImageUsers.NONE, clock);
        components.add(images);
        return bindRpcs(config, clock, table, images.snapshotter(), new StoreImageLookup(images.store()), components)
                .unary(ImageServiceGrpc.getPullImageMethod(), new PullImageRpc(images.puller(), images.usage()))
                .unary(ImageServiceGrpc.getImageStatusMethod(), new ImageStatusRpc(images.store(), images.content()))
                .unary(ImageServiceGrpc.getListImagesMethod(), new ListImagesRpc(images.store()))
                .unary(ImageServiceGrpc.getRemoveImageMethod(), new RemoveImageRpc(images.remover(), images.usage()))
                .unary(ImageServiceGrpc.getImageFsInfoMethod(), new ImageFsInfoRpc(images.usage()));
    }

    /** The same, with the snapshotter and the image lookup given (tests bring their own images). */
    public static RpcTable bindRpcs(BerthConfig config, Clock clock, RpcTable table, Snapshotter snapshotter,
            ImageLookup images, List<AutoCloseable> components) throws IOException {
        PodCidr podCidr = new PodCidr();
        HostFacts host = HostProbe.detect(config);
        SandboxStore sandboxes = new SandboxStore(config.root().resolve("sandboxes"));
        ContainerService containers = new ContainerService(config, sandboxes, images, snapshotter, host, clock);
        components.add(containers);
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
                        new UpdateContainerResourcesRpc(control, containers.liveResources()));
    }

    /** Closes in reverse order of creation; one failing does not keep the others open. */
    public static void closeAll(List<AutoCloseable> components) {
        for (int i = components.size() - 1; i >= 0; i--) {
            try {
                components.get(i).close();
            } catch (Exception e) {
                LOG.warning("closing " + components.get(i).getClass().getSimpleName() + " failed: " + e.getMessage());
            }
        }
        components.clear();
    }

    /** Stops serving: in-flight RPCs get the configured grace period, then the root is released. */
    public void stop() throws IOException, InterruptedException {
        LOG.info("stopping: in-flight calls get up to " + config.shutdownGraceSeconds() + "s");
        server.stop(config.shutdownGraceSeconds());
        closeAll(components);
        dirs.close();
        LOG.info("stopped");
    }
}

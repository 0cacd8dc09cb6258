package io.berth.server;

import io.berth.cri.v1.ImageServiceGrpc;
import io.berth.cri.v1.RuntimeServiceGrpc;
import io.berth.server.config.BerthConfig;
import io.berth.server.grpc.RpcObserver;
import io.berth.server.grpc.RpcTable;
import io.berth.server.grpc.UnixSocketServer;
import io.berth.server.image.ImageSystem;
import io.berth.server.image.reclaim.ImageUsers;
import io.berth.server.rpc.ImageFsInfoRpc;
import io.berth.server.rpc.ImageStatusRpc;
import io.berth.server.rpc.ListImagesRpc;
import io.berth.server.rpc.PullImageRpc;
import io.berth.server.rpc.RemoveImageRpc;
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
import io.berth.server.sandbox.SandboxMembers;
import io.berth.server.sandbox.SandboxRecovery;
import io.berth.server.sandbox.SandboxStore;
import io.berth.server.sandbox.SandboxTeardown;
import java.io.IOException;
import java.time.Clock;
import java.util.logging.Logger;

/** The composition root: builds every collaborator once, binds the RPCs, and owns the server's lifetime. */
public final class Daemon {
    private static final Logger LOG = Logger.getLogger(Daemon.class.getName());

    private final BerthConfig config;
    private final RootDirs dirs;
    private final UnixSocketServer server;
    private final ImageSystem images;

    private Daemon(BerthConfig config, RootDirs dirs, UnixSocketServer server, ImageSystem images) {
        this.config = config;
        this.dirs = dirs;
        this.server = server;
        this.images = images;
    }

    public static Daemon start(BerthConfig config) throws IOException {
        RootDirs dirs = RootDirs.claim(config.root(), config.state());
        ImageSystem images = null;
        try {
            Clock clock = Clock.systemUTC();
            // Until containers exist no image is in use; the container service replaces ImageUsers.NONE.
            images = ImageSystem.open(config, ImageUsers.NONE, clock);
            RpcTable table = bindRpcs(config, clock, images, new RpcTable(RpcObserver.debugLog()));
            UnixSocketServer server = UnixSocketServer.start(config.socket(),
                    table.build(RuntimeServiceGrpc.getServiceDescriptor(), ImageServiceGrpc.getServiceDescriptor()),
                    builder -> { });
            LOG.info("berthd " + BuildInfo.version() + " serving CRI on unix://" + config.socket()
                    + " (root " + config.root() + ", state " + config.state() + ")");
            return new Daemon(config, dirs, server, images);
        } catch (IOException | RuntimeException e) {
            if (images != null) {
                images.close();
            }
            dirs.close();
            throw e;
        }
    }

    /** Every RPC berth implements, bound to its collaborators. Unbound RPCs answer UNIMPLEMENTED. */
    static RpcTable bindRpcs(BerthConfig config, Clock clock, ImageSystem images, RpcTable table)
            throws IOException {
        PodCidr podCidr = new PodCidr();
        SandboxStore sandboxes = new SandboxStore(config.root().resolve("sandboxes"));
        SandboxRecovery.reconcile(sandboxes);
        PodNetwork network = PodNetwork.NONE;
        SandboxTeardown sandboxTeardown = new SandboxTeardown(sandboxes, network, NO_CONTAINERS);
        return table
                .unary(RuntimeServiceGrpc.getVersionMethod(), new VersionRpc())
                .unary(RuntimeServiceGrpc.getStatusMethod(), new StatusRpc(config, new RuntimeReadiness(config),
                        NetworkReadiness.noPlugin(), podCidr))
                .unary(RuntimeServiceGrpc.getRuntimeConfigMethod(), new RuntimeConfigRpc(config))
                .unary(RuntimeServiceGrpc.getUpdateRuntimeConfigMethod(), new UpdateRuntimeConfigRpc(podCidr))
                .unary(RuntimeServiceGrpc.getRunPodSandboxMethod(),
                        new RunPodSandboxRpc(new SandboxCreator(config, sandboxes, network, clock)))
                .unary(RuntimeServiceGrpc.getStopPodSandboxMethod(), new StopPodSandboxRpc(sandboxTeardown))
                .unary(RuntimeServiceGrpc.getRemovePodSandboxMethod(), new RemovePodSandboxRpc(sandboxTeardown))
                .unary(RuntimeServiceGrpc.getPodSandboxStatusMethod(), new PodSandboxStatusRpc(sandboxes, clock))
                .unary(RuntimeServiceGrpc.getListPodSandboxMethod(), new ListPodSandboxRpc(sandboxes))
                .unary(ImageServiceGrpc.getPullImageMethod(), new PullImageRpc(images.puller(), images.usage()))
                .unary(ImageServiceGrpc.getImageStatusMethod(), new ImageStatusRpc(images.store(), images.content()))
                .unary(ImageServiceGrpc.getListImagesMethod(), new ListImagesRpc(images.store()))
                .unary(ImageServiceGrpc.getRemoveImageMethod(), new RemoveImageRpc(images.remover(), images.usage()))
                .unary(ImageServiceGrpc.getImageFsInfoMethod(), new ImageFsInfoRpc(images.usage()));
    }

    /** Until containers exist (CreateContainer is not built yet), a sandbox has none to stop or remove. */
    private static final SandboxMembers NO_CONTAINERS = new SandboxMembers() {
        @Override
        public void stopAll(String sandboxId) {}

        @Override
        public void removeAll(String sandboxId) {}
    };

    /** The image side, for the container service: image lookup by reference and the snapshotter. */
    public ImageSystem images() {
        return images;
    }

    /** Stops serving: in-flight RPCs get the configured grace period, then the root is released. */
    public void stop() throws IOException, InterruptedException {
        LOG.info("stopping: in-flight calls get up to " + config.shutdownGraceSeconds() + "s");
        server.stop(config.shutdownGraceSeconds());
        images.close();
        dirs.close();
        LOG.info("stopped");
    }
}

package io.berth.server;

import io.berth.cri.v1.ImageServiceGrpc;
import io.berth.cri.v1.RuntimeServiceGrpc;
import io.berth.server.config.BerthConfig;
import io.berth.server.grpc.RpcObserver;
import io.berth.server.grpc.RpcTable;
import io.berth.server.grpc.UnixSocketServer;
import io.berth.server.metrics.DaemonMetrics;
import io.berth.server.metrics.JvmMetrics;
import io.berth.server.metrics.MetricsCatalog;
import io.berth.server.metrics.MetricsHttpServer;
import io.berth.server.metrics.RpcMetrics;
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
    private final MetricsHttpServer metricsServer;

    private Daemon(BerthConfig config, RootDirs dirs, UnixSocketServer server, MetricsHttpServer metricsServer) {
        this.config = config;
        this.dirs = dirs;
        this.server = server;
        this.metricsServer = metricsServer;
    }

    public static Daemon start(BerthConfig config) throws IOException {
        RootDirs dirs = RootDirs.claim(config.root(), config.state());
        UnixSocketServer server = null;
        try {
            MetricsCatalog metrics = new MetricsCatalog();
            JvmMetrics.register(metrics);
            RpcTable table = bindRpcs(config, Clock.systemUTC(), new DaemonMetrics(metrics),
                    new RpcTable(new RpcMetrics(metrics, RpcObserver.debugLog())));
            server = UnixSocketServer.start(config.socket(),
                    table.build(RuntimeServiceGrpc.getServiceDescriptor(), ImageServiceGrpc.getServiceDescriptor()),
                    builder -> { });
            // After the gRPC server: a scrape that answers means the daemon is serving.
            MetricsHttpServer metricsServer = config.metrics().enabled()
                    ? MetricsHttpServer.start(config.metrics().address(), metrics) : null;
            LOG.info("berthd " + BuildInfo.version() + " serving CRI on unix://" + config.socket()
                    + " (root " + config.root() + ", state " + config.state() + ")");
            return new Daemon(config, dirs, server, metricsServer);
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                stopQuietly(server);
            }
            dirs.close();
            throw e;
        }
    }

    private static void stopQuietly(UnixSocketServer server) {
        try {
            server.stop(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Every RPC berth implements, bound to its collaborators. Unbound RPCs answer UNIMPLEMENTED. The stores
     * register their live counts with {@code metrics} here.
     */
    static RpcTable bindRpcs(BerthConfig config, Clock clock, DaemonMetrics metrics, RpcTable table)
            throws IOException {
        PodCidr podCidr = new PodCidr();
        SandboxStore sandboxes = new SandboxStore(config.root().resolve("sandboxes"));
        SandboxRecovery.reconcile(sandboxes);
        metrics.countSandboxes(() -> sandboxes.list().size());
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
                .unary(RuntimeServiceGrpc.getListPodSandboxMethod(), new ListPodSandboxRpc(sandboxes));
    }

    /** Until containers exist (CreateContainer is not built yet), a sandbox has none to stop or remove. */
    private static final SandboxMembers NO_CONTAINERS = new SandboxMembers() {
        @Override
        public void stopAll(String sandboxId) {}

        @Override
        public void removeAll(String sandboxId) {}
    };

    /** Stops serving: in-flight RPCs get the configured grace period, then the root is released. */
    public void stop() throws IOException, InterruptedException {
        LOG.info("stopping: in-flight calls get up to " + config.shutdownGraceSeconds() + "s");
        if (metricsServer != null) {
            metricsServer.close();
        }
        server.stop(config.shutdownGraceSeconds());
        dirs.close();
        LOG.info("stopped");
    }
}

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
import io.berth.netplugin.NetworkPlugin;
import io.berth.server.network.NetworkPlugins;
import io.berth.server.network.PluginPodNetwork;
import io.berth.server.runtime.PodCidr;
import io.berth.server.runtime.RuntimeReadiness;
import io.berth.server.rpc.ListPodSandboxRpc;
import io.berth.server.rpc.PodSandboxStatusRpc;
import io.berth.server.rpc.RemovePodSandboxRpc;
import io.berth.server.rpc.RunPodSandboxRpc;
import io.berth.server.rpc.StopPodSandboxRpc;
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
        PodCidr podCidr = new PodCidr();
        SandboxStore sandboxes = new SandboxStore(config.root().resolve("sandboxes"));
        SandboxRecovery.reconcile(sandboxes);
        NetworkPlugin plugin = NetworkPlugins.fromConfig(config, podCidr);
        PluginPodNetwork network = new PluginPodNetwork(plugin);
        startNetwork(plugin, sandboxes);
        SandboxTeardown sandboxTeardown = new SandboxTeardown(sandboxes, network, NO_CONTAINERS);
        return table
                .unary(RuntimeServiceGrpc.getVersionMethod(), new VersionRpc())
                .unary(RuntimeServiceGrpc.getStatusMethod(), new StatusRpc(config, new RuntimeReadiness(config),
                        network, podCidr))
                .unary(RuntimeServiceGrpc.getRuntimeConfigMethod(), new RuntimeConfigRpc(config))
                .unary(RuntimeServiceGrpc.getUpdateRuntimeConfigMethod(), new UpdateRuntimeConfigRpc(podCidr))
                .unary(RuntimeServiceGrpc.getRunPodSandboxMethod(),
                        new RunPodSandboxRpc(new SandboxCreator(config, sandboxes, network, clock)))
                .unary(RuntimeServiceGrpc.getStopPodSandboxMethod(), new StopPodSandboxRpc(sandboxTeardown))
                .unary(RuntimeServiceGrpc.getRemovePodSandboxMethod(), new RemovePodSandboxRpc(sandboxTeardown))
                .unary(RuntimeServiceGrpc.getPodSandboxStatusMethod(), new PodSandboxStatusRpc(sandboxes, clock))
                .unary(RuntimeServiceGrpc.getListPodSandboxMethod(), new ListPodSandboxRpc(sandboxes));
    }

    /**
     * Rebuilds the plugin's host state and releases networks no sandbox owns (a set-up cut short by a
     * crash). A failure here is logged, not fatal: Status then says why pods cannot get a network.
     */
    private static void startNetwork(NetworkPlugin plugin, SandboxStore sandboxes) {
        java.util.Set<String> live = new java.util.HashSet<>();
        for (SandboxStore.Sandbox s : sandboxes.list()) {
            if (s.status().networkAttached()) {
                live.add(s.id());
            }
        }
        try {
            plugin.start(live);
            LOG.info("network plugin " + plugin.name() + " started; " + live.size() + " pod network(s) attached");
        } catch (IOException | RuntimeException e) {
            LOG.warning("network plugin " + plugin.name() + " could not restore its state: " + e.getMessage());
        }
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
        server.stop(config.shutdownGraceSeconds());
        dirs.close();
        LOG.info("stopped");
    }
}

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
import java.io.IOException;
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
            RpcTable table = bindRpcs(config, new RpcTable(RpcObserver.debugLog()));
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
    static RpcTable bindRpcs(BerthConfig config, RpcTable table) {
        PodCidr podCidr = new PodCidr();
        return table
                .unary(RuntimeServiceGrpc.getVersionMethod(), new VersionRpc())
                .unary(RuntimeServiceGrpc.getStatusMethod(), new StatusRpc(config, new RuntimeReadiness(config),
                        NetworkReadiness.noPlugin(), podCidr))
                .unary(RuntimeServiceGrpc.getRuntimeConfigMethod(), new RuntimeConfigRpc(config))
                .unary(RuntimeServiceGrpc.getUpdateRuntimeConfigMethod(), new UpdateRuntimeConfigRpc(podCidr));
    }

    /** Stops serving: in-flight RPCs get the configured grace period, then the root is released. */
    public void stop() throws IOException, InterruptedException {
        LOG.info("stopping: in-flight calls get up to " + config.shutdownGraceSeconds() + "s");
        server.stop(config.shutdownGraceSeconds());
        dirs.close();
        LOG.info("stopped");
    }
}

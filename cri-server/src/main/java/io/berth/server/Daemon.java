package io.berth.server;

import io.berth.common.error.NotFoundException;
import io.berth.cri.v1.ImageServiceGrpc;
import io.berth.cri.v1.RuntimeServiceGrpc;
import io.berth.server.config.BerthConfig;
import io.berth.server.container.ImageLookup;
import io.berth.server.grpc.RpcObserver;
import io.berth.server.grpc.RpcTable;
import io.berth.server.grpc.UnixSocketServer;
import io.berth.server.metrics.DaemonMetrics;
import io.berth.server.metrics.JvmMetrics;
import io.berth.server.metrics.MetricsCatalog;
import io.berth.server.metrics.MetricsHttpServer;
import io.berth.server.metrics.RpcMetrics;
import io.berth.snapshotter.Snapshotter;
import io.berth.snapshotter.Snapshotters;
import java.io.IOException;
import java.time.Clock;
import java.util.logging.Logger;

/** berthd's lifetime: claim the roots, wire the services, serve the socket (and metrics), stop cleanly. */
public final class Daemon {
    private static final Logger LOG = Logger.getLogger(Daemon.class.getName());

    private final BerthConfig config;
    private final RootDirs dirs;
    private final CriWiring wiring;
    private final UnixSocketServer server;
    private final MetricsHttpServer metricsServer;

    private Daemon(BerthConfig config, RootDirs dirs, CriWiring wiring, UnixSocketServer server,
            MetricsHttpServer metricsServer) {
        this.config = config;
        this.dirs = dirs;
        this.wiring = wiring;
        this.server = server;
        this.metricsServer = metricsServer;
    }

    public static Daemon start(BerthConfig config) throws IOException {
        RootDirs dirs = RootDirs.claim(config.root(), config.state());
        CriWiring wiring = null;
        UnixSocketServer server = null;
        try {
            MetricsCatalog metrics = new MetricsCatalog();
            JvmMetrics.register(metrics);
            Snapshotter snapshotter = Snapshotters.open(Snapshotters.Driver.AUTO, config.root().resolve("snapshots"));
            ImageLookup images = reference -> {
                throw new NotFoundException("image " + reference + " not found: berth has no image store in this"
                        + " build");
            };
            wiring = new CriWiring(config, Clock.systemUTC(), snapshotter, images, new DaemonMetrics(metrics));
            wiring.own(snapshotter);
            RpcTable table = wiring.bind(new RpcTable(new RpcMetrics(metrics, RpcObserver.debugLog())));
            server = UnixSocketServer.start(config.socket(),
                    table.build(RuntimeServiceGrpc.getServiceDescriptor(), ImageServiceGrpc.getServiceDescriptor()),
                    builder -> { });
            // After the gRPC server: a scrape that answers means the daemon is serving.
            MetricsHttpServer metricsServer = config.metrics().enabled()
                    ? MetricsHttpServer.start(config.metrics().address(), metrics) : null;
            LOG.info("berthd " + BuildInfo.version() + " serving CRI on unix://" + config.socket()
                    + " (root " + config.root() + ", state " + config.state() + ")");
            return new Daemon(config, dirs, wiring, server, metricsServer);
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                stopQuietly(server);
            }
            if (wiring != null) {
                wiring.close();
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

    /** Stops serving: in-flight RPCs get the configured grace period, then the root is released. */
    public void stop() throws IOException, InterruptedException {
        LOG.info("stopping: in-flight calls get up to " + config.shutdownGraceSeconds() + "s");
        if (metricsServer != null) {
            metricsServer.close();
        }
        server.stop(config.shutdownGraceSeconds());
        wiring.close();
        dirs.close();
        LOG.info("stopped");
    }
}

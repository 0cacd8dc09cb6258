package io.berth.server;

import io.berth.server.admin.AdminServer;
import io.berth.server.config.BerthConfig;
import io.berth.server.grpc.StartingServices;
import io.berth.server.grpc.UnixSocketServer;
import io.berth.server.metrics.MetricsHttpServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.logging.Logger;

/**
 * berthd's lifetime: claim the roots, have {@link CriWiring} build and recover everything, serve the sockets (and
 * metrics), stop cleanly. It builds no part itself.
 */
public final class Daemon {
    private static final Logger LOG = Logger.getLogger(Daemon.class.getName());

    private final BerthConfig config;
    private final DaemonRoots dirs;
    private final CriWiring wiring;
    private final UnixSocketServer server;
    private final AdminServer adminServer;
    private final MetricsHttpServer metricsServer;

    private Daemon(BerthConfig config, DaemonRoots dirs, CriWiring wiring, UnixSocketServer server,
            AdminServer adminServer, MetricsHttpServer metricsServer) {
        this.config = config;
        this.dirs = dirs;
        this.wiring = wiring;
        this.server = server;
        this.adminServer = adminServer;
        this.metricsServer = metricsServer;
    }

    public static Daemon start(BerthConfig config) throws IOException {
        DaemonRoots dirs = DaemonRoots.claim(config.root(), config.state());
        // The CRI socket is bound on a thread of its own while the wiring loads and recovers, and a call that
        // arrives meanwhile waits for the services (StartingServices). A restart is CPU-bound on one core: this
        // puts the server's start, and the first connection's share of a client's first call, on the other.
        StartingServices criServices = new StartingServices();
        StartupTask<UnixSocketServer> binding = StartupTask.begin("cri-socket-bind", () -> UnixSocketServer.start(
                config.socket(), List.of(), builder -> builder.fallbackHandlerRegistry(criServices)));
        CriWiring wiring = null;
        UnixSocketServer server = null;
        AdminServer adminServer = null;
        try {
            wiring = CriWiring.open(config, Clock.systemUTC());
            server = binding.join();
            adminServer = AdminServer.start(config.state().resolve(AdminServer.SOCKET_NAME), wiring.adminService(),
                    AdminServer.ROOT_UID);
            // Exec/Attach/PortForward URLs point here; until it listens those RPCs answer UNAVAILABLE.
            wiring.startStreaming();
            // After recovery, with the CRI socket bound: a scrape that answers means the daemon serves (its waiting
            // calls are let through just below).
            MetricsHttpServer metricsServer = config.metrics().enabled()
                    ? MetricsHttpServer.start(config.metrics().address(), wiring.metrics()) : null;
            LOG.info("berthd " + BuildInfo.version() + " serving CRI on unix://" + config.socket()
                    + " and admin on unix://" + adminServer.socket()
                    + " (root " + config.root() + ", state " + config.state() + "), " + startTook());
            // The calls that came in while berthd started are let through once all of it serves.
            criServices.ready(wiring.criServices());
            // Last, so that a daemon that could not bind its socket or metrics address leaves no shim host
            // behind. Not fatal: a host that cannot start now is started again at the first container.
            try {
                wiring.startNodeShimHost();
            } catch (IOException | RuntimeException e) {
                LOG.warning("the node's shim host did not start (" + e.getMessage() + "); the first container"
                        + " will start it");
            }
            return new Daemon(config, dirs, wiring, server, adminServer, metricsServer);
        } catch (IOException | RuntimeException e) {
            criServices.failed();
            if (adminServer != null) {
                stopQuietly(adminServer);
            }
            // Once bound, if it bound: stopping removes the socket.
            binding.joinQuietly().ifPresent(Daemon::stopQuietly);
            if (wiring != null) {
                wiring.close();
            }
            dirs.close();
            throw e;
        }
    }

    /**
     * How long the JVM took to serve, and the CPU time it spent on it: what a restart costs the node. The CPU time
     * from /proc (ProcessHandle) rather than the JVM's platform beans, which berthd sets up only for its metrics.
     */
    private static String startTook() {
        double uptime = ManagementFactory.getRuntimeMXBean().getUptime() / 1e3;
        double cpu = ProcessHandle.current().info().totalCpuDuration().map(d -> d.toMillis() / 1e3).orElse(Double.NaN);
        return String.format(Locale.ROOT, "started in %.2f s, %.2f s of CPU", uptime, cpu);
    }

    private static void stopQuietly(UnixSocketServer server) {
        try {
            server.stop(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void stopQuietly(AdminServer server) {
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
        wiring.closeEventStreams();
        adminServer.stop(config.shutdownGraceSeconds());
        server.stop(config.shutdownGraceSeconds());
        // Closes the streaming server with the other components; open exec sessions end with it.
        wiring.close();
        dirs.close();
        LOG.info("stopped");
    }
}

package io.berth.server;

import io.berth.cri.v1.CriApi;
import io.berth.cri.v1.ImageServiceGrpc;
import io.berth.cri.v1.RuntimeServiceGrpc;
import io.berth.linux.Posix;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.epoll.Epoll;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Loads, on a thread of its own, what berthd's start needs later: JNA's native dispatch, the CRI's protobuf
 * descriptors, the gRPC server and Netty's native transport. A restart is mostly class loading and first runs of
 * code in the interpreter, all on the main thread; meanwhile the node's second core is free. Done here, the
 * descriptors and natives are ready when the main thread gets to them, and its config parsing and record
 * loading overlap with them. A failure here changes nothing: the main thread does the same work again and
 * reports it.
 */
final class StartupPreload {
    private static final Logger LOG = Logger.getLogger(StartupPreload.class.getName());

    private StartupPreload() {}

    static void begin() {
        Thread thread = new Thread(StartupPreload::run, "startup-preload");
        thread.setDaemon(true);
        thread.start();
    }

    private static void run() {
        try {
            Posix.euid();
            CriApi.getDescriptor();
            RuntimeServiceGrpc.getServiceDescriptor();
            ImageServiceGrpc.getServiceDescriptor();
            Epoll.ensureAvailability();
            Class.forName(NettyServerBuilder.class.getName(), true, NettyServerBuilder.class.getClassLoader());
        } catch (ClassNotFoundException | RuntimeException | Error e) {
            LOG.log(Level.FINE, "start-up preload stopped early", e);
        }
    }
}

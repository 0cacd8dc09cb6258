package io.berth.server.admin;

import io.berth.linux.Posix;
import io.berth.server.grpc.UnixSocketServer;
import io.grpc.ServerServiceDefinition;
import io.netty.channel.ChannelOption;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The admin socket: a second gRPC server beside the CRI one, for berthctl. Mode 0600 and root peers only:
 * it can import images and shows every pod's paths, which is more than the CRI socket's group should get.
 */
public final class AdminServer {
    /** The socket's name in berth's state dir: {@code /run/berth/admin.sock} by default. */
    public static final String SOCKET_NAME = "admin.sock";
    /** The only peer admitted in berthd. */
    public static final int ROOT_UID = 0;
    private static final int SOCKET_MODE = 0600;

    private final UnixSocketServer server;

    private AdminServer(UnixSocketServer server) {
        this.server = server;
    }

    /** Serves {@code service} on {@code socket} to peers running as {@code allowedUid}. */
    public static AdminServer start(Path socket, ServerServiceDefinition service, int allowedUid) throws IOException {
        UnixSocketServer server = UnixSocketServer.start(socket, List.of(service),
                builder -> builder.channelFactory(PeerUidGate.listeningChannels(allowedUid))
                        // gRPC asks each connection for TCP keepalive, and Netty logs a warning per unix
                        // connection that it has none; null withdraws the request.
                        .withChildOption(ChannelOption.SO_KEEPALIVE, null));
        try {
            // UnixSocketServer opens its socket to a group; this one is root's alone. The gate turns away
            // anyone else who connects before the mode changes.
            Posix.chmod(socket.toString(), SOCKET_MODE);
        } catch (IOException e) {
            stopNow(server);
            throw new IOException("cannot restrict the admin socket " + socket + " to root: " + e.getMessage(), e);
        }
        return new AdminServer(server);
    }

    public Path socket() {
        return server.socket();
    }

    /** Stops taking calls; in-flight ones (an import, an export) get up to {@code graceSeconds}. */
    public void stop(int graceSeconds) throws InterruptedException {
        server.stop(graceSeconds);
    }

    private static void stopNow(UnixSocketServer server) {
        try {
            server.stop(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package io.berth.server.grpc;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Decides what to do with whatever already sits at the socket path before the daemon binds it. */
final class SocketFiles {
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private SocketFiles() {}

    /**
     * Removes a stale socket left by a daemon that died; refuses when a live process answers on it or when
     * the path is something other than a socket (removing an operator's file would be worse than failing).
     */
    static void clearStale(Path socket) throws IOException {
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException("socket path " + socket + " exists and is not a socket; remove it or choose"
                    + " another --socket");
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            throw new IOException("socket " + socket + " is already served by a live process (another berthd?);"
                    + " stop it or choose another --socket");
        } catch (ConnectException refused) {
            Files.deleteIfExists(socket);
        }
    }
}

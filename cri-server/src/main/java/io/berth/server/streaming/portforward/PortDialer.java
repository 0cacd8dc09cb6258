package io.berth.server.streaming.portforward;

import io.berth.linux.Namespaces;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Connects to a port on a pod's loopback from inside the pod's network namespace. The socket is made and
 * connected on a throwaway thread that entered the netns; a socket keeps its namespace, so the relay can
 * then run on ordinary event-loop threads.
 */
final class PortDialer {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private PortDialer() {}

    /** A connected, blocking socket to {@code localhost:port} in {@code netns} (null: the host's namespace). */
    static SocketChannel dial(Path netns, int port) throws IOException {
        if (netns == null) {
            return connect(port);
        }
        return Namespaces.runIn(Namespaces.Kind.NET, netns, () -> connect(port));
    }

    private static SocketChannel connect(int port) throws IOException {
        // IPv4 loopback first, as containerd does; IPv6 loopback for servers that only listen there.
        IOException first = null;
        for (InetAddress address : new InetAddress[] {InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1")}) {
            SocketChannel channel = SocketChannel.open();
            try {
                channel.socket().connect(new InetSocketAddress(address, port), (int) CONNECT_TIMEOUT.toMillis());
                return channel;
            } catch (IOException e) {
                channel.close();
                if (first == null) {
                    first = e;
                }
            }
        }
        throw first;
    }
}

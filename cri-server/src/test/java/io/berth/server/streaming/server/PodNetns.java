package io.berth.server.streaming.server;

import io.berth.linux.Namespaces;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A network namespace made for a test, with loopback up, and TCP servers listening inside it: an echo server
 * that answers "echo:" + what it reads until EOF, and a greeter that says hello and closes.
 */
final class PodNetns implements AutoCloseable {
    final Path file;
    private final List<ServerSocket> servers = new ArrayList<>();

    PodNetns(Path file) throws Exception {
        this.file = file;
        Namespaces.createPinned(Namespaces.Kind.NET, file, null);
        Process ip = new ProcessBuilder("nsenter", "--net=" + file, "ip", "link", "set", "lo", "up")
                .redirectErrorStream(true).start();
        String out = new String(ip.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (ip.waitFor() != 0) {
            throw new IOException("ip link set lo up failed: " + out);
        }
    }

    /** A server inside the namespace; returns its port. */
    int echoServer() throws IOException {
        return serve(socket -> {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            out.write("echo:".getBytes(StandardCharsets.UTF_8));
            in.transferTo(out);
            socket.shutdownOutput();
        });
    }

    int greeter(String greeting) throws IOException {
        return serve(socket -> {
            socket.getOutputStream().write(greeting.getBytes(StandardCharsets.UTF_8));
            socket.shutdownOutput();
        });
    }

    /** A port on which nothing listens inside the namespace (bound, then closed). */
    int closedPort() throws IOException {
        ServerSocket s = Namespaces.runIn(Namespaces.Kind.NET, file, () -> new ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1")));
        int port = s.getLocalPort();
        s.close();
        return port;
    }

    interface Conversation {
        void run(Socket socket) throws IOException;
    }

    private int serve(Conversation conversation) throws IOException {
        ServerSocket server = Namespaces.runIn(Namespaces.Kind.NET, file, () -> {
            ServerSocket s = new ServerSocket();
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s;
        });
        servers.add(server);
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    Thread c = new Thread(() -> {
                        try (socket) {
                            conversation.run(socket);
                        } catch (IOException e) {
                            // the client went away
                        }
                    });
                    c.setDaemon(true);
                    c.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "netns-server");
        t.setDaemon(true);
        t.start();
        return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        for (ServerSocket s : servers) {
            s.close();
        }
        Namespaces.removePinned(file);
    }
}

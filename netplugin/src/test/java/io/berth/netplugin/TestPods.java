package io.berth.netplugin;

import io.berth.linux.Namespaces;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Pod network namespaces and tiny TCP servers for the network tests. Everything made here is closed by
 * {@link #close()}: servers first, then the pinned namespaces.
 */
public final class TestPods implements AutoCloseable {
    private final Path dir;
    private final List<Path> namespaces = new ArrayList<>();
    private final List<ServerSocket> servers = new ArrayList<>();

    public TestPods(Path dir) {
        this.dir = dir;
    }

    /** A new pinned netns and a request for it; ids look like berth's (hex). */
    public PodRequest pod(String name, List<HostPortMapping> ports) throws IOException {
        String id = UUID.randomUUID().toString().replace("-", "") + UUID.randomUUID().toString().replace("-", "");
        Path netns = dir.resolve("netns-" + id.substring(0, 12));
        Namespaces.createPinned(Namespaces.Kind.NET, netns, null);
        namespaces.add(netns);
        return new PodRequest(id, "test-ns", name, "uid-" + name, netns, ports, null);
    }

    /** A TCP server inside the pod's namespace that answers every connection with {@code greeting}. */
    public void serve(Path netns, int port, String greeting) throws IOException {
        ServerSocket server = Namespaces.runIn(Namespaces.Kind.NET, netns, () -> {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("0.0.0.0", port));
            return s;
        });
        startAnswering(server, greeting);
    }

    /** A TCP server on the host (this process's namespace), bound to one address. */
    public void serveOnHost(String address, int port, String greeting) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(address, port));
        startAnswering(s, greeting);
    }

    /** Connects from inside a namespace and returns the first line the server sends. */
    public static String fetchFrom(Path netns, String address, int port) throws IOException {
        return Namespaces.runIn(Namespaces.Kind.NET, netns, () -> fetch(address, port));
    }

    /** Connects from this process's namespace. */
    public static String fetch(String address, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 2000);
            s.setSoTimeout(2000);
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
        }
    }

    /** A TCP port nothing on the host listens on right now. */
    public static int freeHostPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private void startAnswering(ServerSocket server, String greeting) {
        servers.add(server);
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket c = server.accept(); OutputStream out = c.getOutputStream()) {
                    out.write((greeting + "\n").getBytes(StandardCharsets.UTF_8));
                } catch (IOException closed) {
                    return;
                }
            }
        }, "test-server-" + greeting);
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        for (ServerSocket s : servers) {
            s.close();
        }
        for (Path ns : namespaces) {
            Namespaces.removePinned(ns);
        }
    }
}

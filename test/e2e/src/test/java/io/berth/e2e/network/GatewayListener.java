package io.berth.e2e.network;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP listener in the host namespace on the bridge's gateway address (an address of this host, so
 * nothing leaves the machine). It answers each connection with one line and records who connected, so a
 * test sees both ends: the pod got the answer, and the host saw the pod's own address (no NAT in between).
 */
final class GatewayListener implements AutoCloseable {
    static final String GREETING = "hello from the node";

    private final ServerSocket server;
    private final List<String> peers = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private GatewayListener(ServerSocket server) {
        this.server = server;
        this.acceptor = new Thread(this::serve, "gateway-listener");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    static GatewayListener on(String address) {
        try {
            ServerSocket s = new ServerSocket();
            s.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
            return new GatewayListener(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return server.getLocalPort();
    }

    /** Source addresses of the connections answered so far. */
    List<String> peers() {
        return List.copyOf(peers);
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                s.setSoTimeout(5_000);
                // Read the client's line first: busybox nc may close before reading if the answer comes early.
                new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
                Writer out = new java.io.OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8);
                out.write(GREETING + "\n");
                out.flush();
                peers.add(s.getInetAddress().getHostAddress());
            } catch (IOException e) {
                // A closed server ends the loop; a broken client connection is the test's to notice.
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

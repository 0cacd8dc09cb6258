package io.berth.server.image.registry;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.berth.server.image.content.Digest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A registry in test code: routes by exact path (query ignored), counts and records every request, and
 * lets a test serve manifests and blobs or answer with any handler it likes.
 */
public final class FakeRegistry implements AutoCloseable {
    @FunctionalInterface
    public interface Handler {
        void handle(HttpExchange exchange) throws IOException;
    }

    /** A request as the server saw it; {@code sequence} orders requests across fake servers in one test. */
    public record Request(long sequence, String method, String path, String query, Map<String, List<String>> headers) {
        String header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }
    }

    private static final AtomicLong SEQUENCE = new AtomicLong();

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, Handler> routes = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Handler gate = exchange -> {};

    public FakeRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::dispatch);
        server.start();
    }

    public String authority() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Runs before every route; answering the exchange here (e.g. a 401) stops the route from running. */
    public void gate(Handler handler) {
        gate = handler;
    }

    public void route(String path, Handler handler) {
        routes.put(path, handler);
    }

    /** Serves {@code body} as a manifest under the tag and under its digest; returns the digest. */
    public Digest manifest(String repository, String tag, String mediaType, String body) {
        byte[] bytes = body.getBytes(UTF_8);
        Digest digest = Digest.sha256Of(bytes);
        Handler handler = exchange -> {
            exchange.getResponseHeaders().add("Content-Type", mediaType);
            exchange.getResponseHeaders().add("Docker-Content-Digest", digest.toString());
            send(exchange, 200, bytes);
        };
        route("/v2/" + repository + "/manifests/" + tag, handler);
        route("/v2/" + repository + "/manifests/" + digest, handler);
        return digest;
    }

    public Digest blob(String repository, byte[] bytes) {
        Digest digest = Digest.sha256Of(bytes);
        route("/v2/" + repository + "/blobs/" + digest, exchange -> send(exchange, 200, bytes));
        return digest;
    }

    public int count(String path) {
        AtomicInteger count = counts.get(path);
        return count == null ? 0 : count.get();
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    public static void sendError(HttpExchange exchange, int status, String code, String message) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        send(exchange, status, ("{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}]}").getBytes(UTF_8));
    }

    private void dispatch(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            requests.add(new Request(SEQUENCE.incrementAndGet(), exchange.getRequestMethod(), path,
                    exchange.getRequestURI().getRawQuery(), Map.copyOf(exchange.getRequestHeaders())));
            counts.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            gate.handle(exchange);
            if (exchange.getResponseCode() != -1) {
                return;
            }
            Handler handler = routes.get(path);
            if (handler == null) {
                sendError(exchange, 404, path.contains("/manifests/") ? "MANIFEST_UNKNOWN" : "BLOB_UNKNOWN",
                        "unknown " + path);
                return;
            }
            handler.handle(exchange);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

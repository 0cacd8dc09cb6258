package io.berth.e2e.images;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.berth.e2e.fixtures.Blob;
import io.berth.e2e.fixtures.LayerBuilder;
import io.berth.e2e.fixtures.TestImage;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A registry in test code that misbehaves on purpose: each repository serves one image whose layer blob
 * is answered by a handler the test picks (wrong bytes, cut short, an error status, silence).
 */
final class ScriptedRegistry implements AutoCloseable {
    @FunctionalInterface
    interface Handler {
        void handle(HttpExchange exchange) throws IOException;
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, Handler> routes = new ConcurrentHashMap<>();
    /** Released at close, so a handler that plays dead does not outlive the test. */
    private final CountDownLatch closed = new CountDownLatch(1);
    /** How many requests a stalled handler is holding right now. */
    private final java.util.concurrent.atomic.AtomicInteger stalling = new java.util.concurrent.atomic.AtomicInteger();

    ScriptedRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            try (exchange) {
                Handler h = routes.get(exchange.getRequestURI().getPath());
                if (h == null) {
                    send(exchange, 404, "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"unknown\"}]}".getBytes());
                } else {
                    h.handle(exchange);
                }
            }
        });
        server.start();
    }

    String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** Serves a one-layer image as {@code repository:v1}; the layer blob is answered by what {@code layerAnswer} makes of it. */
    TestImage serve(String repository, java.util.function.Function<Blob, Handler> layerAnswer) {
        LayerBuilder.Layer layer = new LayerBuilder().file(repository + ".txt", 0644, repository)
                .build(LayerBuilder.Compression.GZIP);
        TestImage image = TestImage.builder().layer(layer).build();
        routes.put("/v2/" + repository + "/manifests/v1", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", TestImage.MANIFEST);
            send(exchange, 200, image.manifest().bytes());
        });
        routes.put("/v2/" + repository + "/blobs/" + image.config().digest(), ok(image.config()));
        routes.put("/v2/" + repository + "/blobs/" + layer.blob().digest(), layerAnswer.apply(layer.blob()));
        return image;
    }

    /** Answers every request for {@code repository}'s manifest with {@code status}. */
    void failManifest(String repository, int status) {
        routes.put("/v2/" + repository + "/manifests/v1", exchange -> send(exchange, status,
                "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"scripted failure\"}]}".getBytes()));
    }

    static Handler ok(Blob blob) {
        return exchange -> send(exchange, 200, blob.bytes());
    }

    /** The right length, other bytes: the digest cannot match. */
    static Handler tampered(Blob blob) {
        return exchange -> {
            byte[] bytes = blob.bytes().clone();
            bytes[bytes.length / 2] ^= 0x5a;
            send(exchange, 200, bytes);
        };
    }

    /** Announces the whole blob, sends half, hangs up. */
    static Handler truncated(Blob blob) {
        return exchange -> {
            exchange.sendResponseHeaders(200, blob.size());
            OutputStream out = exchange.getResponseBody();
            out.write(blob.bytes(), 0, blob.bytes().length / 2);
            out.flush();
            throw new IOException("scripted hang-up after half of " + blob.digest());
        };
    }

    /** Sends headers and a few bytes, then nothing until the test ends. */
    Handler stalled(Blob blob) {
        return exchange -> {
            exchange.sendResponseHeaders(200, blob.size());
            OutputStream out = exchange.getResponseBody();
            out.write(blob.bytes(), 0, 16);
            out.flush();
            stalling.incrementAndGet();
            try {
                closed.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                stalling.decrementAndGet();
            }
        };
    }

    int stallingRequests() {
        return stalling.get();
    }

    static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}

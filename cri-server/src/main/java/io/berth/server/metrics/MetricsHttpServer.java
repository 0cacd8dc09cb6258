package io.berth.server.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Serves {@code GET /metrics} in the Prometheus text format. The JDK's HTTP server is enough for one scrape
 * every few seconds; one thread answers, so a scrape never competes with CRI calls for more than a core.
 */
public final class MetricsHttpServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(MetricsHttpServer.class.getName());
    static final String PATH = "/metrics";

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsHttpServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    public static MetricsHttpServer start(InetSocketAddress address, MetricsCatalog catalog) throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(address, 16);
        } catch (BindException e) {
            throw new IOException("metrics address " + describe(address) + ": " + e.getMessage()
                    + " (another process listens there, or the address is not on this host)", e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "berth-metrics-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", exchange -> answer(exchange, catalog));
        server.start();
        MetricsHttpServer started = new MetricsHttpServer(server, executor);
        LOG.info("serving metrics on http://" + describe(started.address()) + PATH);
        return started;
    }

    /** The bound address (the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static void answer(HttpExchange exchange, MetricsCatalog catalog) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!exchange.getRequestURI().getPath().equals(PATH)) {
                send(exchange, 404, "text/plain; charset=utf-8", "not found; metrics are at " + PATH + "\n", true);
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "text/plain; charset=utf-8", "only GET and HEAD\n", true);
            } else {
                send(exchange, 200, PrometheusText.CONTENT_TYPE, PrometheusText.render(catalog), method.equals("GET"));
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "metrics scrape failed", e);
            throw e;
        }
    }

    private static void send(HttpExchange exchange, int status, String type, String body, boolean withBody)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, withBody ? bytes.length : -1);
        if (withBody) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static String describe(InetSocketAddress address) {
        String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** Stops listening at once: a scrape in progress is cut short, which Prometheus retries. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

package io.berth.server.streaming.server;

import io.berth.common.error.UnavailableException;
import io.berth.server.config.StreamingConfig;
import io.berth.server.streaming.StreamBackend;
import io.berth.server.streaming.StreamRequest;
import io.berth.server.streaming.StreamUrls;
import java.io.IOException;
import java.time.Clock;

/**
 * The streaming server as the daemon wires it: RPCs are bound to this before the server runs (berthd starts
 * streaming after gRPC), and until it runs they answer UNAVAILABLE instead of a URL nobody serves.
 */
public final class StreamingEndpoint implements StreamUrls, AutoCloseable {
    private final StreamBackend backend;
    private volatile StreamingServer server;

    public StreamingEndpoint(StreamBackend backend) {
        this.backend = backend;
    }

    public void start(StreamingConfig config) throws IOException {
        server = StreamingServer.start(config, backend, new TokenStore(Clock.systemUTC(), config.tokenTtl(),
                TokenStore.DEFAULT_MAX_IN_FLIGHT));
    }

    @Override
    public String urlFor(StreamRequest request) {
        StreamingServer s = server;
        if (s == null) {
            throw new UnavailableException("the streaming server is not running");
        }
        return s.urlFor(request);
    }

    @Override
    public void close() {
        StreamingServer s = server;
        server = null;
        if (s != null) {
            s.close();
        }
    }
}

package io.berth.server.streaming.spdy;

import io.berth.server.streaming.StreamingContext;
import io.berth.server.streaming.exec.ExitStatus;
import io.berth.server.streaming.portforward.ForwardClient;
import io.berth.server.streaming.portforward.PortForwardTarget;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.spdy.SpdyHeaders;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Port-forward over SPDY ({@code portforward.k8s.io}): each forwarded connection is a pair of client streams,
 * {@code streamType} data and error, with the same {@code port} and {@code requestID} headers. When both are
 * open the pod's port is dialed and the data stream relays both ways; failures go on the error stream as
 * kubelet's JSON. Many pairs, to any ports, share one connection. Event loop only.
 */
final class SpdyPortForwardStreams implements SpdyStreams {
    static final int MAX_STREAMS = 1000;

    private final String sandboxId;
    private final StreamingContext context;
    private final Map<String, Pair> pairs = new HashMap<>();
    private final Map<Integer, Pair> byStream = new HashMap<>();
    private SpdyConnection connection;

    SpdyPortForwardStreams(String sandboxId, StreamingContext context) {
        this.sandboxId = sandboxId;
        this.context = context;
    }

    @Override
    public void start(SpdyConnection conn) {
        this.connection = conn;
    }

    @Override
    public boolean opened(int id, SpdyHeaders headers) {
        int port = port(headers.getAsString("port"));
        String type = headers.getAsString("streamType");
        if (port < 1 || !("data".equals(type) || "error".equals(type))) {
            return false;
        }
        String requestId = headers.getAsString("requestID");
        if (requestId == null || requestId.isEmpty()) {
            // Old clients send no request id: kubelet pairs error stream n with data stream n+2.
            requestId = Integer.toString(type.equals("error") ? id : id - 2);
        }
        Pair pair = pairs.get(requestId);
        if (pair == null) {
            pair = new Pair(requestId, port);
            pairs.put(requestId, pair);
            Pair created = pair;
            pair.timeout = connection.channel().eventLoop().schedule(() -> created.timedOut(),
                    context.config().streamCreationTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        if (pair.port != port || (type.equals("data") ? pair.dataId : pair.errorId) != 0) {
            return false;
        }
        if (type.equals("data")) {
            pair.dataId = id;
        } else {
            pair.errorId = id;
        }
        byStream.put(id, pair);
        if (pair.dataId != 0 && pair.errorId != 0) {
            pair.timeout.cancel(false);
            pair.target = new PortForwardTarget(sandboxId, port, pair, context);
            pair.target.start();
        }
        return true;
    }

    @Override
    public void data(int id, ByteBuf data) {
        Pair pair = byStream.get(id);
        if (pair != null && id == pair.dataId && pair.target != null) {
            pair.target.fromClient(data);
        } else {
            data.release();
        }
    }

    @Override
    public void remoteFinished(int id) {
        Pair pair = byStream.get(id);
        if (pair != null && id == pair.dataId && pair.target != null) {
            pair.target.clientEnded();
        }
    }

    @Override
    public void reset(int id) {
        Pair pair = byStream.get(id);
        if (pair != null) {
            pair.remove();
        }
    }

    @Override
    public void writabilityChanged() {
        for (Pair p : List.copyOf(pairs.values())) {
            if (p.target != null) {
                p.target.clientWritable();
            }
        }
    }

    @Override
    public void closed() {
        for (Pair p : List.copyOf(pairs.values())) {
            p.remove();
        }
    }

    private static int port(String value) {
        try {
            int p = value == null ? -1 : Integer.parseInt(value);
            return p >= 1 && p <= 65535 ? p : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The data and error streams of one forwarded connection. */
    private final class Pair implements ForwardClient {
        final String requestId;
        final int port;
        int dataId;
        int errorId;
        PortForwardTarget target;
        ScheduledFuture<?> timeout;

        Pair(String requestId, int port) {
            this.requestId = requestId;
            this.port = port;
        }

        void timedOut() {
            error("timed out waiting for streams of request " + requestId);
            end();
        }

        void remove() {
            timeout.cancel(false);
            pairs.remove(requestId);
            byStream.remove(dataId);
            byStream.remove(errorId);
            if (target != null) {
                target.close();
            }
        }

        @Override
        public Channel channel() {
            return connection.channel();
        }

        @Override
        public void data(ByteBuf data) {
            connection.send(dataId, data);
        }

        @Override
        public void error(String message) {
            if (errorId == 0) {
                return;
            }
            // kubelet's portForwardErrResponse, as json.Encoder writes it (with its newline).
            String json = "{\"closeConnection\":true,\"message\":" + ExitStatus.goQuote("error forwarding port "
                    + port + " to pod " + sandboxId + ", uid : " + message) + "}\n";
            connection.send(errorId, Unpooled.copiedBuffer(json, StandardCharsets.UTF_8));
        }

        @Override
        public void end() {
            for (int id : new int[] {dataId, errorId}) {
                if (id != 0) {
                    connection.finish(id);
                }
            }
            remove();
        }
    }
}

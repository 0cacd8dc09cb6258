package io.berth.server.streaming.websocket;

import io.berth.server.streaming.StreamRequest;
import io.berth.server.streaming.StreamingContext;
import io.berth.server.streaming.http.PlainResponses;
import io.berth.server.streaming.http.Protocols;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the request into a WebSocket of one of the k8s channel protocols (the client's first one berth
 * knows; none named means binary {@code channel.k8s.io}) and puts the exec or port-forward handler behind it.
 */
public final class WebSocketUpgrade {
    /** Largest frame and message a client may send: a stdin chunk, never a memory bomb. */
    static final int MAX_MESSAGE = 256 * 1024;

    private WebSocketUpgrade() {}

    public static void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, StreamRequest streamRequest,
            StreamingContext context) {
        boolean portForward = streamRequest instanceof StreamRequest.PortForward;
        List<String> supported = portForward ? Protocols.WEBSOCKET_PORT_FORWARD : Protocols.WEBSOCKET_EXEC;
        List<String> requested = Protocols.split(request.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL));
        String protocol = requested.isEmpty() ? "" : Protocols.negotiate(requested, supported);
        if (protocol == null) {
            PlainResponses.sendAndClose(ctx, HttpResponseStatus.FORBIDDEN, "requested protocol(s) are not supported: "
                    + requested + "; supports " + supported);
            return;
        }
        ChannelHandler sessionHandler;
        if (portForward) {
            List<Integer> ports;
            try {
                ports = ports((StreamRequest.PortForward) streamRequest, request.uri());
            } catch (IllegalArgumentException e) {
                PlainResponses.sendAndClose(ctx, HttpResponseStatus.BAD_REQUEST, e.getMessage());
                return;
            }
            sessionHandler = new WebSocketPortForwardHandler(
                    ((StreamRequest.PortForward) streamRequest).podSandboxId(), ports, context);
        } else {
            sessionHandler = new WebSocketExecHandler(streamRequest, protocol, context);
        }
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(
                "ws://" + request.headers().get(HttpHeaderNames.HOST, "localhost") + request.uri(),
                protocol.isEmpty() ? null : protocol, false, MAX_MESSAGE).newHandshaker(request);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            ctx.close();
            return;
        }
        // Nothing more is read until the session's handlers are in place.
        ctx.channel().config().setAutoRead(false);
        ChannelPipeline pipeline = ctx.pipeline();
        ChannelHandler router = ctx.handler();
        handshaker.handshake(ctx.channel(), request).addListener(done -> {
            if (!done.isSuccess()) {
                ctx.close();
                return;
            }
            pipeline.addLast("ws-aggregator", new WebSocketFrameAggregator(MAX_MESSAGE));
            pipeline.addLast("ws-channels", new WebSocketChannelCodec(Protocols.isBase64(protocol)));
            pipeline.addLast("session", sessionHandler);
            pipeline.remove(router);
            ctx.channel().config().setAutoRead(true);
        });
    }

    /** The ports of the CRI request, else the {@code port} query parameters (kubelet's NewV4Options). */
    static List<Integer> ports(StreamRequest.PortForward request, String uri) {
        if (!request.ports().isEmpty()) {
            return request.ports();
        }
        List<String> values = new QueryStringDecoder(uri).parameters().getOrDefault("port", List.of());
        if (values.isEmpty()) {
            throw new IllegalArgumentException("query parameter \"port\" is required");
        }
        List<Integer> ports = new ArrayList<>();
        for (String value : values) {
            for (String p : value.split(",")) {
                int port;
                try {
                    port = Integer.parseInt(p);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("unable to parse \"" + value + "\" as a port");
                }
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException("port \"" + value + "\" must be between 1 and 65535");
                }
                ports.add(port);
            }
        }
        if (ports.size() > 64) {
            throw new IllegalArgumentException("at most 64 ports per connection");
        }
        return ports;
    }
}

package io.berth.server.streaming.server;

import io.berth.server.streaming.StreamRequest;
import io.berth.server.streaming.StreamingContext;
import io.berth.server.streaming.http.PlainResponses;
import io.berth.server.streaming.spdy.SpdyUpgrade;
import io.berth.server.streaming.websocket.WebSocketUpgrade;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one HTTP request of a streaming connection: finds the token's request ({@code /exec|attach|portforward/
 * <token>}), uses the token up whatever happens next, and hands the connection to the WebSocket or SPDY
 * upgrade. A connection that does not send its request within the stream creation timeout is closed.
 */
public final class RequestRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = Logger.getLogger(RequestRouter.class.getName());

    private final TokenStore tokens;
    private final StreamingContext context;
    private final PendingConnections pending;
    private ScheduledFuture<?> requestTimeout;

    public RequestRouter(TokenStore tokens, StreamingContext context, PendingConnections pending) {
        this.tokens = tokens;
        this.context = context;
        this.pending = pending;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        requestTimeout = ctx.executor().schedule(() -> {
            LOG.fine("no streaming request in time from " + ctx.channel().remoteAddress());
            ctx.close();
        }, context.config().streamCreationTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (requestTimeout != null) {
            requestTimeout.cancel(false);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            PlainResponses.sendAndClose(ctx, HttpResponseStatus.BAD_REQUEST, "bad request");
            return;
        }
        if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.POST)) {
            PlainResponses.sendAndClose(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "405: Method Not Allowed");
            return;
        }
        String[] parts = new QueryStringDecoder(request.uri()).path().split("/", -1);
        // "", kind, token
        Optional<StreamRequest> found = parts.length == 3 && parts[0].isEmpty() && !parts[2].isEmpty()
                ? tokens.consume(parts[2]).filter(r -> r.kind().equals(parts[1]))
                : Optional.empty();
        if (found.isEmpty()) {
            PlainResponses.sendAndClose(ctx, HttpResponseStatus.NOT_FOUND, "404 page not found");
            return;
        }
        pending.authenticated(ctx.channel());
        if (isWebSocket(request)) {
            WebSocketUpgrade.upgrade(ctx, request, found.get(), context);
        } else {
            SpdyUpgrade.upgrade(ctx, request, found.get(), context);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.FINE, "streaming request failed", cause);
        ctx.close();
    }

    /** kubelet's IsWebSocketRequest: {@code Upgrade: websocket} and an upgrade token in Connection. */
    static boolean isWebSocket(HttpRequest request) {
        String upgrade = request.headers().get(HttpHeaderNames.UPGRADE, "");
        String connection = request.headers().get(HttpHeaderNames.CONNECTION, "").toLowerCase(Locale.ROOT);
        return upgrade.equalsIgnoreCase("websocket") && connection.matches("(^|.*,\\s*)upgrade($|\\s*,.*)");
    }
}

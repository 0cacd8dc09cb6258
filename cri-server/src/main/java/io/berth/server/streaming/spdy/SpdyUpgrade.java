package io.berth.server.streaming.spdy;

import io.berth.server.streaming.StreamRequest;
import io.berth.server.streaming.StreamingContext;
import io.berth.server.streaming.http.PlainResponses;
import io.berth.server.streaming.http.Protocols;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyVersion;
import java.util.List;
import java.util.Locale;

/**
 * kubelet's handshake and SPDY upgrade: negotiate {@code X-Stream-Protocol-Version} (403 listing what berth
 * accepts when nothing matches), check the upgrade headers, answer 101 and switch the pipeline to SPDY/3.1.
 */
public final class SpdyUpgrade {
    static final String PROTOCOL_HEADER = "X-Stream-Protocol-Version";
    static final String ACCEPTED_HEADER = "X-Accepted-Stream-Protocol-Versions";
    /** Data frames reach handlers in chunks of at most this; a 16 MiB frame is never held whole. */
    static final int MAX_CHUNK = 32 * 1024;
    /** The inflated header block of one frame; the zlib stream is inflated 4 KiB at a time against it. */
    static final int MAX_HEADER_BLOCK = 16 * 1024;

    private SpdyUpgrade() {}

    public static void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, StreamRequest streamRequest,
            StreamingContext context) {
        boolean portForward = streamRequest instanceof StreamRequest.PortForward;
        List<String> supported = portForward ? Protocols.SPDY_PORT_FORWARD : Protocols.SPDY_EXEC;
        List<String> requested = Protocols.split(request.headers().getAll(PROTOCOL_HEADER));
        if (requested.isEmpty()) {
            PlainResponses.sendAndClose(ctx, HttpResponseStatus.BAD_REQUEST,
                    "unable to upgrade: " + PROTOCOL_HEADER + " is required");
            return;
        }
        String protocol = Protocols.negotiate(requested, supported);
        if (protocol == null) {
            FullHttpResponse forbidden = PlainResponses.text(HttpResponseStatus.FORBIDDEN,
                    "unable to upgrade: unable to negotiate protocol: client supports " + requested
                            + ", server accepts " + supported);
            supported.forEach(p -> forbidden.headers().add(ACCEPTED_HEADER, p));
            PlainResponses.sendAndClose(ctx, forbidden);
            return;
        }
        String connection = request.headers().get(HttpHeaderNames.CONNECTION, "").toLowerCase(Locale.ROOT);
        String upgrade = request.headers().get(HttpHeaderNames.UPGRADE, "").toLowerCase(Locale.ROOT);
        if (!connection.contains("upgrade") || !upgrade.contains("spdy/3.1")) {
            PlainResponses.sendAndClose(ctx, HttpResponseStatus.BAD_REQUEST,
                    "unable to upgrade: missing upgrade headers in request");
            return;
        }
        SpdyStreams streams = portForward
                ? new SpdyPortForwardStreams(((StreamRequest.PortForward) streamRequest).podSandboxId(), context)
                : new SpdyExecStreams(streamRequest, protocol, context);
        int maxStreams = portForward ? SpdyPortForwardStreams.MAX_STREAMS : SpdyExecStreams.MAX_STREAMS;

        FullHttpResponse switching = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.SWITCHING_PROTOCOLS);
        switching.headers().set(HttpHeaderNames.CONNECTION, "Upgrade");
        switching.headers().set(HttpHeaderNames.UPGRADE, "SPDY/3.1");
        switching.headers().set(PROTOCOL_HEADER, protocol);
        // Nothing is read until the SPDY codec is in place; bytes the HTTP decoder already holds are handed on
        // to it when the decoder is removed.
        ctx.channel().config().setAutoRead(false);
        ChannelPipeline pipeline = ctx.pipeline();
        ChannelHandler router = ctx.handler();
        ctx.writeAndFlush(switching).addListener(done -> {
            if (!done.isSuccess()) {
                ctx.close();
                return;
            }
            pipeline.addLast("spdy-codec", new SpdyFrameCodec(SpdyVersion.SPDY_3_1, MAX_CHUNK, MAX_HEADER_BLOCK,
                    6, 15, 8));
            pipeline.addLast("spdy", new SpdyConnection(streams, maxStreams));
            pipeline.remove(router);
            pipeline.remove("http-aggregator");
            pipeline.remove("http");
            ctx.channel().config().setAutoRead(true);
        });
    }
}

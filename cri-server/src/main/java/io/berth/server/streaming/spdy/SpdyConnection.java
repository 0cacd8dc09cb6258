package io.berth.server.streaming.spdy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyGoAwayFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.HashSet;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The server half of a SPDY/3.1 session as spdystream (kubelet's and kubectl's library) speaks it: streams
 * opened by the client, replied to at once; data; half-close by FIN; reset; pings echoed. Frames come from
 * Netty's {@code SpdyFrameCodec}, which bounds frame chunks and the inflated header block. There is no SPDY
 * window flow control, because spdystream sends no WINDOW_UPDATE: back-pressure is TCP's, through Netty's
 * writability and autoRead.
 */
public final class SpdyConnection extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(SpdyConnection.class.getName());
    private static final String STATUS = ":status";
    private static final String VERSION = ":version";

    private final SpdyStreams streams;
    private final int maxStreams;
    private final Set<Integer> open = new HashSet<>();
    private ChannelHandlerContext ctx;
    private volatile int lastClientStream;

    SpdyConnection(SpdyStreams streams, int maxStreams) {
        this.streams = streams;
        this.maxStreams = maxStreams;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        streams.start(this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof SpdySynStreamFrame syn) {
                onSynStream(syn);
            } else if (msg instanceof SpdyDataFrame data) {
                int id = data.streamId();
                if (open.contains(id)) {
                    streams.data(id, data.content().retain());
                    if (data.isLast()) {
                        streams.remoteFinished(id);
                    }
                }
            } else if (msg instanceof SpdyRstStreamFrame rst) {
                if (open.remove(rst.streamId())) {
                    streams.reset(rst.streamId());
                }
            } else if (msg instanceof SpdyPingFrame ping && (ping.id() & 1) == 1) {
                // Odd ids are the client's pings; even ones would be answers to ours, and we send none.
                ctx.writeAndFlush(new DefaultSpdyPingFrame(ping.id()));
            }
            // SETTINGS, WINDOW_UPDATE, HEADERS, GOAWAY and unknown frames change nothing here: the client
            // closes the TCP connection when it is done.
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onSynStream(SpdySynStreamFrame syn) {
        int id = syn.streamId();
        if (syn.isInvalid() || (id & 1) == 0 || id <= lastClientStream) {
            ctx.writeAndFlush(new DefaultSpdyRstStreamFrame(id, SpdyStreamStatus.PROTOCOL_ERROR));
            return;
        }
        lastClientStream = id;
        if (open.size() >= maxStreams || !streams.opened(id, syn.headers())) {
            ctx.writeAndFlush(new DefaultSpdyRstStreamFrame(id, SpdyStreamStatus.REFUSED_STREAM));
            return;
        }
        open.add(id);
        ctx.writeAndFlush(reply(id));
        if (syn.isLast()) {
            streams.remoteFinished(id);
        }
    }

    /**
     * A SYN_REPLY whose header block is never empty. SPDY/3 frames always carry a header block that starts with
     * its pair count, and Go's framer (spdystream, in client-go and crictl) fails to decode a reply without one;
     * Netty encodes zero headers as no block at all, so the reply names the status the way SPDY/3 replies do.
     */
    static SpdySynReplyFrame reply(int streamId) {
        SpdySynReplyFrame reply = new DefaultSpdySynReplyFrame(streamId);
        reply.headers().set(STATUS, "200").set(VERSION, "HTTP/1.1");
        return reply;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        streams.writabilityChanged();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        streams.closed();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.FINE, "SPDY session failed", cause);
        ctx.close();
    }

    public Channel channel() {
        return ctx.channel();
    }

    /** Sends data on a stream (any thread); takes ownership of the buffer. */
    public void send(int streamId, ByteBuf data) {
        ctx.writeAndFlush(new DefaultSpdyDataFrame(streamId, data));
    }

    /** Half-closes our side of the stream. */
    public void finish(int streamId) {
        ctx.writeAndFlush(new DefaultSpdyDataFrame(streamId).setLast(true));
    }

    public void reset(int streamId) {
        ctx.writeAndFlush(new DefaultSpdyRstStreamFrame(streamId, SpdyStreamStatus.CANCEL));
    }

    /** Says goodbye and closes once everything written before has gone out. */
    public void goAwayAndClose() {
        ctx.writeAndFlush(new DefaultSpdyGoAwayFrame(lastClientStream)).addListener(ChannelFutureListener.CLOSE);
    }

    public void close() {
        ctx.close();
    }
}

package io.berth.server.streaming.spdy;

import io.berth.server.streaming.StreamRequest;
import io.berth.server.streaming.StreamingContext;
import io.berth.server.streaming.http.PlainResponses;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;

public final class SpdyUpgrade {
    private SpdyUpgrade() {}

    public static void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, StreamRequest streamRequest,
            StreamingContext context) {
        PlainResponses.sendAndClose(ctx, HttpResponseStatus.BAD_REQUEST, "not yet");
    }
}

package io.berth.server.streaming.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The {@code channel.k8s.io} framing: every message starts with its channel number — one byte, or for the
 * base64 protocols one ASCII digit followed by base64 text. Also answers pings and the client's close.
 * Messages with no channel byte or bad base64 are dropped, as kubelet drops them.
 */
public final class WebSocketChannelCodec extends MessageToMessageCodec<WebSocketFrame, ChannelFrame> {
    private final boolean base64;

    public WebSocketChannelCodec(boolean base64) {
        this.base64 = base64;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
        if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
            return;
        }
        if (frame instanceof CloseWebSocketFrame) {
            ctx.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (!(frame instanceof BinaryWebSocketFrame) && !(frame instanceof TextWebSocketFrame)) {
            return; // pongs; continuations were joined by the aggregator
        }
        ByteBuf content = frame.content();
        if (!content.isReadable()) {
            return;
        }
        int channel = content.readUnsignedByte();
        if (!base64) {
            out.add(new ChannelFrame(channel, content.retainedSlice()));
            return;
        }
        channel -= '0';
        if (channel < 0 || channel > 9) {
            return;
        }
        ByteBuffer text = content.nioBuffer();
        try {
            out.add(new ChannelFrame(channel, Unpooled.wrappedBuffer(Base64.getDecoder().decode(text))));
        } catch (IllegalArgumentException e) {
            // not base64: dropped, like kubelet's DataFromSocket error
        }
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ChannelFrame frame, List<Object> out) {
        ByteBuf data = frame.content();
        if (!base64) {
            ByteBuf prefix = ctx.alloc().buffer(1).writeByte(frame.channel());
            out.add(new BinaryWebSocketFrame(Unpooled.wrappedUnmodifiableBuffer(prefix, data.retain())));
            return;
        }
        byte[] raw = new byte[data.readableBytes()];
        data.getBytes(data.readerIndex(), raw);
        String text = (char) ('0' + frame.channel()) + Base64.getEncoder().encodeToString(raw);
        out.add(new TextWebSocketFrame(Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII)));
    }
}

package io.berth.server.streaming.websocket;

import io.berth.server.streaming.StreamingContext;
import io.berth.server.streaming.portforward.ForwardClient;
import io.berth.server.streaming.portforward.PortForwardTarget;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Port-forward over WebSocket: port i of the request gets data channel 2i and error channel 2i+1; the first
 * message on each is the port as two little-endian bytes. Every port is dialed at once; the WebSocket closes
 * when every forwarded connection has ended, as kubelet's does.
 */
final class WebSocketPortForwardHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(WebSocketPortForwardHandler.class.getName());

    private final String sandboxId;
    private final List<Integer> ports;
    private final StreamingContext context;
    private final List<PortForwardTarget> targets = new ArrayList<>();
    private ChannelHandlerContext ctx;
    private int ended;

    WebSocketPortForwardHandler(String sandboxId, List<Integer> ports, StreamingContext context) {
        this.sandboxId = sandboxId;
        this.ports = ports;
        this.context = context;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        for (int i = 0; i < ports.size(); i++) {
            int port = ports.get(i);
            ctx.write(new ChannelFrame(2 * i, portBytes(port)));
            ctx.write(new ChannelFrame(2 * i + 1, portBytes(port)));
            targets.add(new PortForwardTarget(sandboxId, port, new Channels(i), context));
        }
        ctx.flush();
        targets.forEach(PortForwardTarget::start);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ChannelFrame frame && frame.channel() % 2 == 0 && frame.channel() / 2 < targets.size()) {
            targets.get(frame.channel() / 2).fromClient(frame.content());
            return;
        }
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        targets.forEach(PortForwardTarget::clientWritable);
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        targets.forEach(PortForwardTarget::close);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.FINE, "websocket port-forward failed", cause);
        ctx.close();
    }

    private static ByteBuf portBytes(int port) {
        return Unpooled.buffer(2).writeShortLE(port);
    }

    /** The channel pair of port number {@code index}. */
    private final class Channels implements ForwardClient {
        private final int index;

        Channels(int index) {
            this.index = index;
        }

        @Override
        public Channel channel() {
            return ctx.channel();
        }

        @Override
        public void data(ByteBuf data) {
            ctx.writeAndFlush(new ChannelFrame(2 * index, data));
        }

        @Override
        public void error(String message) {
            String text = "error forwarding port " + ports.get(index) + " to pod " + sandboxId + ", uid : " + message;
            ctx.writeAndFlush(new ChannelFrame(2 * index + 1, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)));
        }

        @Override
        public void end() {
            if (++ended == targets.size()) {
                ctx.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}

package io.berth.server.streaming.websocket;

import io.berth.server.streaming.StreamRequest;
import io.berth.server.streaming.StreamingContext;
import io.berth.server.streaming.exec.ExecOutput;
import io.berth.server.streaming.exec.ExitStatus;
import io.berth.server.streaming.exec.StreamSession;
import io.berth.server.streaming.http.Protocols;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Exec and attach over WebSocket: channel 0 stdin, 1 stdout, 2 stderr, 3 error (status), 4 resize; on v5
 * a close signal for channel 0 is stdin's EOF.
 */
final class WebSocketExecHandler extends ChannelInboundHandlerAdapter implements ExecOutput {
    private static final Logger LOG = Logger.getLogger(WebSocketExecHandler.class.getName());
    static final int STDIN = 0;
    static final int STDOUT = 1;
    static final int STDERR = 2;
    static final int ERROR = 3;
    static final int RESIZE = 4;

    private final StreamRequest request;
    private final String protocol;
    private final StreamingContext context;
    private ChannelHandlerContext ctx;
    private StreamSession session;

    WebSocketExecHandler(StreamRequest request, String protocol, StreamingContext context) {
        this.request = request;
        this.protocol = protocol;
        this.context = context;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        session = new StreamSession(request, context.backend(), this, context.pool());
        // kubelet tells the client the connection is up with an empty message on the lowest output channel.
        ctx.writeAndFlush(new ChannelFrame(firstOutputChannel(), Unpooled.EMPTY_BUFFER));
        session.start();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ChannelFrame frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        switch (frame.channel()) {
            case STDIN -> session.stdin(frame.content());
            case RESIZE -> session.resize(frame.content());
            case ChannelFrame.CLOSE_SIGNAL -> {
                if (protocol.equals(Protocols.CHANNEL_V5) && frame.content().isReadable()
                        && frame.content().getUnsignedByte(frame.content().readerIndex()) == STDIN) {
                    session.stdinEnd();
                }
                frame.release();
            }
            default -> frame.release();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        session.writabilityChanged();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        session.connectionClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.FINE, "websocket exec session failed", cause);
        ctx.close();
    }

    @Override
    public Channel channel() {
        return ctx.channel();
    }

    @Override
    public void stdout(byte[] data) {
        ctx.writeAndFlush(new ChannelFrame(STDOUT, Unpooled.wrappedBuffer(data)));
    }

    @Override
    public void stderr(byte[] data) {
        ctx.writeAndFlush(new ChannelFrame(STDERR, Unpooled.wrappedBuffer(data)));
    }

    @Override
    public void finish(ExitStatus status) {
        String payload = Protocols.statusAsJson(protocol) ? status.json() : status.text();
        if (!payload.isEmpty()) {
            ctx.write(new ChannelFrame(ERROR, Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8)));
        }
        ctx.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(ChannelFutureListener.CLOSE);
    }

    private int firstOutputChannel() {
        boolean stdout = request instanceof StreamRequest.Exec e ? e.stdout() : ((StreamRequest.Attach) request).stdout();
        boolean stderr = request instanceof StreamRequest.Exec e ? e.stderr() : ((StreamRequest.Attach) request).stderr();
        return stdout ? STDOUT : stderr ? STDERR : ERROR;
    }
}

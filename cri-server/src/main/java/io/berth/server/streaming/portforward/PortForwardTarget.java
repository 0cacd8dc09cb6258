package io.berth.server.streaming.portforward;

import io.berth.server.streaming.StreamingContext;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One forwarded TCP connection into a pod: dialed inside the pod's netns on a pool thread, then adopted as a
 * Netty channel on the client connection's event loop, so that every piece of state here is touched by that
 * one thread. Each direction is flow controlled by pausing the reading side while the writing side is full.
 */
public final class PortForwardTarget {
    private static final Logger LOG = Logger.getLogger(PortForwardTarget.class.getName());
    static final int MAX_PENDING = 64 * 1024;

    private final String sandboxId;
    private final int port;
    private final ForwardClient client;
    private final StreamingContext context;
    private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
    private int pendingBytes;
    private Channel target;
    private boolean clientEnded;
    private boolean ended;
    private boolean closed;

    public PortForwardTarget(String sandboxId, int port, ForwardClient client, StreamingContext context) {
        this.sandboxId = sandboxId;
        this.port = port;
        this.client = client;
        this.context = context;
    }

    /** Dials; bytes from the client wait (bounded) until the connection is up. Client event loop. */
    public void start() {
        context.pool().execute(() -> {
            SocketChannel socket;
            try {
                Path netns = context.backend().netns(sandboxId);
                socket = PortDialer.dial(netns, port);
            } catch (Exception e) {
                LOG.log(Level.FINE, "port-forward dial failed", e);
                String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                client.channel().eventLoop().execute(() -> fail("failed to connect to localhost:" + port
                        + " inside the pod's network namespace: " + why));
                return;
            }
            client.channel().eventLoop().execute(() -> adopt(socket));
        });
    }

    private void adopt(SocketChannel socket) {
        if (closed) {
            try {
                socket.close();
            } catch (IOException e) {
                LOG.log(Level.FINE, "closing an unused port-forward socket failed", e);
            }
            return;
        }
        NioSocketChannel channel = new NioSocketChannel(socket);
        channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        channel.pipeline().addLast(new Relay());
        target = channel;
        client.channel().eventLoop().register(channel).addListener(done -> {
            if (!done.isSuccess()) {
                fail("cannot relay: " + done.cause());
                return;
            }
            while (!pending.isEmpty()) {
                target.write(pending.poll());
            }
            pendingBytes = 0;
            target.flush();
            if (clientEnded) {
                ((NioSocketChannel) target).shutdownOutput();
            }
            resumeClient();
        });
    }

    /** Bytes from the client for the pod; ownership passes. Client event loop. */
    public void fromClient(ByteBuf data) {
        if (closed || clientEnded) {
            data.release();
            return;
        }
        if (target == null || !target.isRegistered()) {
            pending.add(data);
            pendingBytes += data.readableBytes();
            if (pendingBytes > MAX_PENDING) {
                client.channel().config().setAutoRead(false);
            }
            return;
        }
        target.writeAndFlush(data);
        if (!target.isWritable()) {
            client.channel().config().setAutoRead(false);
        }
    }

    /** The client will send nothing more: half-close towards the pod. */
    public void clientEnded() {
        clientEnded = true;
        if (target != null && target.isRegistered()) {
            ((NioSocketChannel) target).shutdownOutput();
        }
    }

    /** The client can take more: read from the pod again. */
    public void clientWritable() {
        if (target != null && client.channel().isWritable()) {
            target.config().setAutoRead(true);
        }
    }

    /** The client side is gone: drop everything. */
    public void close() {
        closed = true;
        pending.forEach(ByteBuf::release);
        pending.clear();
        if (target != null) {
            target.close();
        }
    }

    private void fail(String message) {
        if (!ended) {
            client.error(message);
        }
        finish();
        close();
    }

    private void finish() {
        if (!ended) {
            ended = true;
            client.end();
        }
    }

    private void resumeClient() {
        if (!client.channel().config().isAutoRead()) {
            client.channel().config().setAutoRead(true);
        }
    }

    /** The pod's side: bytes go to the client, EOF ends the client's data stream. */
    private final class Relay extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            client.data((ByteBuf) msg);
            if (!client.channel().isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                finish();
                if (clientEnded) {
                    ctx.close();
                }
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                resumeClient();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            finish();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.log(Level.FINE, "port-forward relay failed", cause);
            ctx.close();
        }
    }
}

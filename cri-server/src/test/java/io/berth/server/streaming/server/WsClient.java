package io.berth.server.streaming.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A WebSocket client of the k8s channel protocols, on Netty's client handshaker; for tests. */
public final class WsClient implements AutoCloseable {
    static final EventLoopGroup LOOPS = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());

    /** One message from the server: its channel and decoded bytes, or the close. */
    public record Msg(int channel, byte[] data, boolean close) {
        public String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    private final Channel channel;
    private final boolean base64;
    final LinkedBlockingQueue<Msg> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<FullHttpResponse> rejected = new CompletableFuture<>();
    final CompletableFuture<String> accepted = new CompletableFuture<>();

    private WsClient(Channel channel, boolean base64) {
        this.channel = channel;
        this.base64 = base64;
    }

    /** Connects and handshakes; {@link #protocol()} or {@link #rejection()} tells how it went. */
    public static WsClient connect(String url, String subprotocol) throws InterruptedException {
        URI uri = URI.create(url.replaceFirst("^http", "ws"));
        WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(uri,
                WebSocketVersion.V13, subprotocol, false, new DefaultHttpHeaders(), 1 << 20);
        boolean base64 = subprotocol != null && subprotocol.contains("base64");
        WsClient[] self = new WsClient[1];
        Channel ch = new Bootstrap().group(LOOPS).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        c.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20),
                                new SimpleChannelInboundHandler<Object>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
                                        self[0].onMessage(handshaker, ctx, msg);
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        self[0].rejected.completeExceptionally(new IllegalStateException("closed"));
                                        self[0].accepted.completeExceptionally(new IllegalStateException("closed"));
                                        self[0].messages.add(new Msg(-1, new byte[0], true));
                                    }
                                });
                    }
                })
                .connect(uri.getHost(), uri.getPort()).sync().channel();
        self[0] = new WsClient(ch, base64);
        // The handshaker installs its frame encoder in the request's write listener; a quick server's 101 must
        // not be handled (which removes the HTTP codec) before that, so reading waits for the write.
        ch.config().setAutoRead(false);
        handshaker.handshake(ch).sync();
        ch.config().setAutoRead(true);
        // Frames may only be sent once the 101 is in; a refusal is there for rejection().
        try {
            CompletableFuture.anyOf(self[0].accepted, self[0].rejected).get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // closed or silent: protocol() and rejection() report it
        }
        return self[0];
    }

    private void onMessage(WebSocketClientHandshaker handshaker, ChannelHandlerContext ctx, Object msg) {
        if (!handshaker.isHandshakeComplete() && msg instanceof FullHttpResponse response) {
            try {
                handshaker.finishHandshake(ctx.channel(), response);
                accepted.complete(handshaker.actualSubprotocol() == null ? "" : handshaker.actualSubprotocol());
            } catch (RuntimeException e) {
                // A heap copy: whoever reads the answer need not release it, and Netty finds no leak.
                rejected.complete(response.replace(Unpooled.copiedBuffer(response.content())));
            }
            return;
        }
        if (msg instanceof CloseWebSocketFrame) {
            messages.add(new Msg(-1, new byte[0], true));
            return;
        }
        if (msg instanceof WebSocketFrame frame && (frame instanceof BinaryWebSocketFrame
                || frame instanceof TextWebSocketFrame)) {
            byte[] raw = ByteBufUtil.getBytes(frame.content());
            if (raw.length == 0) {
                return;
            }
            if (base64) {
                messages.add(new Msg(raw[0] - '0', Base64.getDecoder().decode(
                        new String(raw, 1, raw.length - 1, StandardCharsets.US_ASCII)), false));
            } else {
                messages.add(new Msg(raw[0] & 0xff, java.util.Arrays.copyOfRange(raw, 1, raw.length), false));
            }
        }
    }

    /** The negotiated sub-protocol ("" for none); fails if the server refused the upgrade. */
    public String protocol() throws Exception {
        return CompletableFuture.anyOf(accepted, rejected).thenCompose(x -> accepted).get(10, TimeUnit.SECONDS);
    }

    /** The server's non-101 answer. */
    public FullHttpResponse rejection() throws Exception {
        return rejected.get(10, TimeUnit.SECONDS);
    }

    public void send(int channelNumber, byte[] data) {
        WebSocketFrame frame;
        if (base64) {
            frame = new TextWebSocketFrame((char) ('0' + channelNumber) + Base64.getEncoder().encodeToString(data));
        } else {
            byte[] raw = new byte[data.length + 1];
            raw[0] = (byte) channelNumber;
            System.arraycopy(data, 0, raw, 1, data.length);
            frame = new BinaryWebSocketFrame(Unpooled.wrappedBuffer(raw));
        }
        channel.writeAndFlush(frame).syncUninterruptibly();
    }

    public void send(int channelNumber, String text) {
        send(channelNumber, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends a raw binary message as is. */
    public void sendRaw(byte[] raw) {
        channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(raw))).syncUninterruptibly();
    }

    /** The next message, or null after 10 s. */
    public Msg next() throws InterruptedException {
        return messages.poll(10, TimeUnit.SECONDS);
    }

    /** The next message if one is there, else null; never waits. */
    public Msg poll() {
        return messages.poll();
    }

    /** Reads everything until the server closes; returns the bytes of each channel. */
    public ChannelOutput readAll() throws InterruptedException {
        ChannelOutput out = new ChannelOutput();
        while (true) {
            Msg m = next();
            if (m == null) {
                throw new AssertionError("server did not close the session in time; so far " + out);
            }
            if (m.close()) {
                return out;
            }
            out.add(m.channel(), m.data());
        }
    }

    public Channel channel() {
        return channel;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}

package io.berth.server.streaming.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyGoAwayFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyVersion;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** A SPDY/3.1 client the way kubectl's spdystream behaves (client streams, no window updates); for tests. */
public final class SpdyClient implements AutoCloseable {
    private final Channel channel;
    private final AtomicInteger nextStream = new AtomicInteger(1);
    final CompletableFuture<FullHttpResponse> response = new CompletableFuture<>();
    final Map<Integer, ByteArrayOutputStream> data = new ConcurrentHashMap<>();
    final Set<Integer> replied = ConcurrentHashMap.newKeySet();
    final Set<Integer> finished = ConcurrentHashMap.newKeySet();
    final Set<Integer> resets = ConcurrentHashMap.newKeySet();
    final Set<Integer> pongs = ConcurrentHashMap.newKeySet();
    final AtomicBoolean goAway = new AtomicBoolean();
    final CompletableFuture<Void> closed = new CompletableFuture<>();

    private SpdyClient(Channel channel) {
        this.channel = channel;
    }

    /** Sends the upgrade request; {@link #status()} tells whether it was switched. */
    public static SpdyClient connect(String url, String... protocols) throws Exception {
        return connect(url, Map.of("Connection", "Upgrade", "Upgrade", "SPDY/3.1"), protocols);
    }

    public static SpdyClient connect(String url, Map<String, String> headers, String... protocols)
            throws Exception {
        URI uri = URI.create(url);
        SpdyClient[] self = new SpdyClient[1];
        Channel ch = new Bootstrap().group(WsClient.LOOPS).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        c.pipeline().addLast("http", new HttpClientCodec());
                        c.pipeline().addLast("aggregator", new HttpObjectAggregator(1 << 16));
                        c.pipeline().addLast("client", new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                self[0].onRead(ctx, msg);
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                self[0].closed.complete(null);
                                self[0].response.completeExceptionally(new IllegalStateException("closed"));
                            }
                        });
                    }
                })
                .connect(uri.getHost(), uri.getPort()).sync().channel();
        self[0] = new SpdyClient(ch);
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri.getRawPath());
        req.headers().set("Host", uri.getHost() + ":" + uri.getPort());
        headers.forEach((k, v) -> req.headers().set(k, v));
        for (String p : protocols) {
            req.headers().add("X-Stream-Protocol-Version", p);
        }
        ch.writeAndFlush(req).sync();
        self[0].response.handle((r, e) -> null).get(10, TimeUnit.SECONDS);
        return self[0];
    }

    private void onRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof FullHttpResponse r) {
                if (r.status().code() == 101) {
                    ctx.pipeline().remove("aggregator");
                    ctx.pipeline().addBefore("client", "spdy", new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
                    ctx.pipeline().remove("http");
                }
                // A heap copy: whoever reads the answer need not release it, and Netty finds no leak.
                response.complete(r.replace(Unpooled.copiedBuffer(r.content())));
            } else if (msg instanceof SpdySynReplyFrame f) {
                replied.add(f.streamId());
            } else if (msg instanceof SpdyDataFrame f) {
                data.computeIfAbsent(f.streamId(), k -> new ByteArrayOutputStream())
                        .writeBytes(ByteBufUtil.getBytes(f.content()));
                if (f.isLast()) {
                    finished.add(f.streamId());
                }
            } else if (msg instanceof SpdyRstStreamFrame f) {
                resets.add(f.streamId());
            } else if (msg instanceof SpdyGoAwayFrame) {
                goAway.set(true);
            } else if (msg instanceof SpdyPingFrame p) {
                pongs.add(p.id());
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    public FullHttpResponse status() throws Exception {
        return response.get(10, TimeUnit.SECONDS);
    }

    /** Opens a stream with the given headers; returns its id. */
    public int open(Map<String, String> headers) {
        int id = nextStream.getAndAdd(2);
        SpdySynStreamFrame syn = new DefaultSpdySynStreamFrame(id, 0, (byte) 0);
        // SPDY/3 header names are lower case on the wire (spdystream lowers Go's canonical names).
        headers.forEach((k, v) -> syn.headers().set(k.toLowerCase(java.util.Locale.ROOT), v));
        channel.writeAndFlush(syn).syncUninterruptibly();
        return id;
    }

    public int open(String streamType) {
        return open(Map.of("streamType", streamType));
    }

    /** Opens the exec streams in kubectl's order; returns their ids by type. */
    public Map<String, Integer> openAll(List<String> types) {
        Map<String, Integer> ids = new ConcurrentHashMap<>();
        for (String t : types) {
            ids.put(t, open(t));
        }
        return ids;
    }

    public void send(int stream, byte[] bytes, boolean fin) {
        DefaultSpdyDataFrame f = new DefaultSpdyDataFrame(stream, Unpooled.wrappedBuffer(bytes));
        f.setLast(fin);
        channel.writeAndFlush(f).syncUninterruptibly();
    }

    public void send(int stream, String text) {
        send(stream, text.getBytes(StandardCharsets.UTF_8), false);
    }

    public void finish(int stream) {
        send(stream, new byte[0], true);
    }

    public void reset(int stream) {
        channel.writeAndFlush(new DefaultSpdyRstStreamFrame(stream, SpdyStreamStatus.CANCEL)).syncUninterruptibly();
    }

    public void ping(int id) {
        channel.writeAndFlush(new DefaultSpdyPingFrame(id)).syncUninterruptibly();
    }

    public String text(int stream) {
        ByteArrayOutputStream b = data.get(stream);
        return b == null ? "" : b.toString(StandardCharsets.UTF_8);
    }

    public byte[] bytes(int stream) {
        ByteArrayOutputStream b = data.get(stream);
        return b == null ? new byte[0] : b.toByteArray();
    }

    /** Streams the server answered with SYN_REPLY (live view). */
    public Set<Integer> repliedStreams() {
        return replied;
    }

    /** Streams the server half-closed with a FIN (live view). */
    public Set<Integer> finishedStreams() {
        return finished;
    }

    /** Streams the server reset (live view). */
    public Set<Integer> resetStreams() {
        return resets;
    }

    public boolean goAwayReceived() {
        return goAway.get();
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    public void awaitClosed() throws Exception {
        closed.get(10, TimeUnit.SECONDS);
    }

    public Channel channel() {
        return channel;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}

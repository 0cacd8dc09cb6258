package io.berth.server.streaming.server;

import io.berth.common.error.UnavailableException;
import io.berth.server.config.StreamingConfig;
import io.berth.server.streaming.StreamBackend;
import io.berth.server.streaming.StreamRequest;
import io.berth.server.streaming.StreamUrls;
import io.berth.server.streaming.StreamingContext;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * berth's streaming server: the HTTP endpoint behind the URLs that Exec, Attach and PortForward return, on
 * Netty NIO (port-forward wraps plain NIO sockets made inside pod namespaces, which NIO channels can adopt).
 */
public final class StreamingServer implements StreamUrls, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(StreamingServer.class.getName());
    /** Open connections beyond this are refused: tokens cap waiting requests, this caps everything else. */
    static final int MAX_CONNECTIONS = 4096;
    /** Connections without a valid token yet; beyond this the oldest of them is closed (see PendingConnections). */
    static final int MAX_PENDING = 256;
    private static final int MAX_REQUEST_BYTES = 64 * 1024;

    private final TokenStore tokens;
    private final EventLoopGroup loops;
    private final ExecutorService pool;
    private final ChannelGroup connections;
    private final Channel listener;
    private final String baseUrl;

    private StreamingServer(TokenStore tokens, EventLoopGroup loops, ExecutorService pool, ChannelGroup connections,
            Channel listener, String baseUrl) {
        this.tokens = tokens;
        this.connections = connections;
        this.loops = loops;
        this.pool = pool;
        this.listener = listener;
        this.baseUrl = baseUrl;
    }

    public static StreamingServer start(StreamingConfig config, StreamBackend backend, TokenStore tokens)
            throws IOException {
        SslContext tls = config.tls() ? SslContextBuilder.forServer(config.tlsCertFile().toFile(),
                config.tlsKeyFile().toFile()).build() : null;
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        ExecutorService pool = Executors.newCachedThreadPool(daemonThreads());
        StreamingContext context = new StreamingContext(backend, pool, loops, config);
        DefaultChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        PendingConnections pending = new PendingConnections(MAX_PENDING);
        try {
            InetAddress bindAddress = InetAddress.getByName(config.address());
            Channel listener = new ServerBootstrap()
                    .group(loops)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (connections.size() >= MAX_CONNECTIONS) {
                                ch.close();
                                return;
                            }
                            connections.add(ch);
                            pending.admit(ch);
                            if (tls != null) {
                                ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
                            }
                            long idleMillis = config.idleTimeout().toMillis();
                            ch.pipeline()
                                    .addLast("idle", new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS))
                                    .addLast("idle-close", new IdleCloser())
                                    .addLast("http", new HttpServerCodec(4096, 8192, 8192))
                                    .addLast("http-aggregator", new HttpObjectAggregator(MAX_REQUEST_BYTES))
                                    .addLast("router", new RequestRouter(tokens, context, pending));
                        }
                    })
                    .bind(new InetSocketAddress(bindAddress, config.port()))
                    .syncUninterruptibly()
                    .channel();
            InetSocketAddress bound = (InetSocketAddress) listener.localAddress();
            String host = bound.getAddress() instanceof Inet6Address
                    ? "[" + bound.getAddress().getHostAddress() + "]" : bound.getAddress().getHostAddress();
            String baseUrl = (tls != null ? "https://" : "http://") + host + ":" + bound.getPort();
            LOG.info("streaming server listening on " + baseUrl);
            return new StreamingServer(tokens, loops, pool, connections, listener, baseUrl);
        } catch (RuntimeException e) {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            pool.shutdownNow();
            throw new IOException("cannot start the streaming server on " + config.address() + ":" + config.port()
                    + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String urlFor(StreamRequest request) {
        if (!listener.isActive()) {
            throw new UnavailableException("the streaming server is not running");
        }
        return baseUrl + "/" + request.kind() + "/" + tokens.insert(request);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** Open client connections (for tests and metrics). */
    public int connectionCount() {
        return connections.size();
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** Stops listening, drops every session (their processes are closed) and stops the threads. */
    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        pool.shutdownNow();
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "berth-stream-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Closes a connection that has seen no frame either way for the idle timeout, as kubelet does. */
    private static final class IdleCloser extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent) {
                LOG.fine("closing idle streaming connection " + ctx.channel().remoteAddress());
                ctx.close();
                return;
            }
            super.userEventTriggered(ctx, evt);
        }
    }
}

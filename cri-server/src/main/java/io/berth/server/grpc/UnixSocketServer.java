package io.berth.server.grpc;

import io.berth.linux.Posix;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** The CRI gRPC server on a unix socket, over Netty's epoll domain-socket transport. */
public final class UnixSocketServer {
    /** kubelet runs as root; group access lets an operator grant crictl to a group without opening it to all. */
    private static final int SOCKET_MODE = 0660;

    /**
     * How long a call thread with nothing to do lives on. gRPC's own executor keeps one for 60 s, so a burst of
     * pod starts left some 30 idle threads, about 100 KiB each, in berthd's footprint for a minute.
     */
    private static final long IDLE_CALL_THREAD_SECONDS = 5;

    private final Path socket;
    private final Server server;
    private final EventLoopGroup loops;
    private final ExecutorService calls;

    private UnixSocketServer(Path socket, Server server, EventLoopGroup loops, ExecutorService calls) {
        this.socket = socket;
        this.server = server;
        this.loops = loops;
        this.calls = calls;
    }

    /**
     * Binds and starts serving. {@code customizer} lets tests and later features (interceptors, limits)
     * adjust the builder without this class knowing about them.
     */
    public static UnixSocketServer start(Path socket, List<ServerServiceDefinition> services,
            Consumer<NettyServerBuilder> customizer) throws IOException {
        Files.createDirectories(socket.toAbsolutePath().getParent());
        SocketFiles.clearStale(socket);
        // One group both accepts and serves: connections are few and long-lived (kubelet keeps one), so a
        // thread of its own for accepting would sit idle.
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        // Unbounded like gRPC's default, since a call may block for minutes (a pull, an exec) and none may wait
        // behind others; only the idle time differs.
        ExecutorService calls = new ThreadPoolExecutor(0, Integer.MAX_VALUE, IDLE_CALL_THREAD_SECONDS,
                TimeUnit.SECONDS, new SynchronousQueue<>(), new CallThreads(socket.getFileName().toString()));
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(loops)
                .workerEventLoopGroup(loops)
                .executor(calls)
                // Image pulls with many layers and big verbose infos exceed gRPC's 4 MiB default.
                .maxInboundMessageSize(16 * 1024 * 1024);
        services.forEach(builder::addService);
        customizer.accept(builder);
        Server server = builder.build();
        try {
            server.start();
            Posix.chmod(socket.toString(), SOCKET_MODE);
        } catch (IOException | RuntimeException e) {
            server.shutdownNow();
            loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            calls.shutdownNow();
            throw new IOException("cannot serve on " + socket + ": " + e.getMessage(), e);
        }
        return new UnixSocketServer(socket, server, loops, calls);
    }

    public Path socket() {
        return socket;
    }

    /** Stops taking calls, gives in-flight ones up to {@code graceSeconds}, then cancels the rest. */
    public void stop(int graceSeconds) throws InterruptedException {
        server.shutdown();
        if (!server.awaitTermination(graceSeconds, TimeUnit.SECONDS)) {
            server.shutdownNow();
            server.awaitTermination(5, TimeUnit.SECONDS);
        }
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        calls.shutdown();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // Nothing to do: the next start treats a leftover socket as stale.
        }
    }

    /** Daemon threads, as gRPC's own are, named after the socket they serve. */
    private static final class CallThreads implements ThreadFactory {
        private final String prefix;
        private final AtomicInteger count = new AtomicInteger();

        CallThreads(String socketName) {
            this.prefix = "grpc-" + socketName + "-";
        }

        @Override
        public Thread newThread(Runnable call) {
            Thread thread = new Thread(call, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    }
}

package io.berth.server.admin.cli;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A gRPC channel to berthd's admin socket, over Netty's epoll domain sockets as berthd serves it. */
public final class AdminConnection implements AutoCloseable {
    /** A debug dump of a full node is the largest answer; berthd's own inbound limit is the same. */
    private static final int MAX_ANSWER_BYTES = 16 * 1024 * 1024;

    private final EventLoopGroup loop;
    private final ManagedChannel channel;

    private AdminConnection(EventLoopGroup loop, ManagedChannel channel) {
        this.loop = loop;
        this.channel = channel;
    }

    /** Connects at the first call; a socket that is not there fails that call with UNAVAILABLE. */
    public static AdminConnection open(Path socket) {
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(loop)
                .usePlaintext()
                // gRPC asks every channel for TCP keepalive, which Netty warns a unix socket does not have; null
                // withdraws the request.
                .withOption(ChannelOption.SO_KEEPALIVE, null)
                .maxInboundMessageSize(MAX_ANSWER_BYTES)
                .build();
        return new AdminConnection(loop, channel);
    }

    public ManagedChannel channel() {
        return channel;
    }

    /** Cancels whatever call is still open (an export cut short) and lets go of the event loop. */
    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}

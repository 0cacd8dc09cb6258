package io.berth.e2e.stats;

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

/**
 * A gRPC channel of its own to berthd's socket, apart from the harness client's: its own HTTP/2 connection, so a
 * stream on it can be made slow (a small flow-control window) or outlive the harness client.
 */
final class UnixChannel implements AutoCloseable {
    final ManagedChannel channel;
    private final EventLoopGroup loop;

    UnixChannel(Path socket, int flowControlWindow) {
        loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(loop).usePlaintext()
                .withOption(ChannelOption.SO_KEEPALIVE, null).flowControlWindow(flowControlWindow).build();
    }

    @Override
    public void close() throws InterruptedException {
        try {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        } finally {
            loop.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}

package io.berth.bench;

import io.berth.cri.v1.ImageServiceGrpc;
import io.berth.cri.v1.RuntimeServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.util.concurrent.TimeUnit;

/** gRPC over a CRI runtime's unix socket, as kubelet and crictl talk to it (kubelet's 16 MiB message limit). */
final class Cri implements AutoCloseable {
    private final EventLoopGroup eventLoop;
    private final ManagedChannel channel;

    Cri(String socket) {
        eventLoop = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(eventLoop)
                .usePlaintext()
                .withOption(ChannelOption.SO_KEEPALIVE, null)
                .maxInboundMessageSize(16 * 1024 * 1024)
                .build();
    }

    RuntimeServiceGrpc.RuntimeServiceBlockingStub rt() {
        return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
    }

    RuntimeServiceGrpc.RuntimeServiceBlockingStub rt(long seconds) {
        return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(seconds, TimeUnit.SECONDS);
    }

    ImageServiceGrpc.ImageServiceBlockingStub img() {
        return ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(600, TimeUnit.SECONDS);
    }

    /** After the server was down: connect now instead of waiting out gRPC's reconnect backoff. */
    void reconnectNow() {
        channel.resetConnectBackoff();
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            eventLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}

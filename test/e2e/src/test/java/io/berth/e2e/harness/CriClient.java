package io.berth.e2e.harness;

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

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A gRPC connection to a CRI runtime's unix socket, the way kubelet and crictl talk to it. */
public final class CriClient implements AutoCloseable {

    /** kubelet's limit on a CRI message it receives. */
    public static final int KUBELET_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    private final Path socket;
    private final EventLoopGroup eventLoop;
    private final ManagedChannel channel;

    private CriClient(Path socket, int maxInboundMessageBytes) {
        this.socket = socket;
        this.eventLoop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        this.channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(eventLoop)
                .usePlaintext()
                // gRPC asks every channel for TCP keepalive; a null value withdraws it, as unix sockets have none.
                .withOption(ChannelOption.SO_KEEPALIVE, null)
                // kubelet allows 16 MiB messages; large list answers must not be cut off by the client.
                .maxInboundMessageSize(maxInboundMessageBytes)
                .build();
    }

    public static CriClient connect(Path socket) {
        return new CriClient(socket, KUBELET_MAX_MESSAGE_BYTES);
    }

    /** A client that takes bigger answers than kubelet does, to look at answers kubelet would refuse. */
    public static CriClient connect(Path socket, int maxInboundMessageBytes) {
        return new CriClient(socket, maxInboundMessageBytes);
    }

    public Path socket() {
        return socket;
    }

    public ManagedChannel channel() {
        return channel;
    }

    public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
        return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    public RuntimeServiceGrpc.RuntimeServiceFutureStub runtimeAsync() {
        return RuntimeServiceGrpc.newFutureStub(channel);
    }

    public ImageServiceGrpc.ImageServiceBlockingStub images() {
        return ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    public ImageServiceGrpc.ImageServiceFutureStub imagesAsync() {
        return ImageServiceGrpc.newFutureStub(channel);
    }

    /** After the server was down, connect now instead of waiting out gRPC's reconnect backoff. */
    public void reconnectNow() {
        channel.resetConnectBackoff();
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            eventLoop.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}

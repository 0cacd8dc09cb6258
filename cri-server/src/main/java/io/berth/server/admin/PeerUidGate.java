package io.berth.server.admin;

import io.berth.linux.ErrnoException;
import io.berth.linux.UnixSockets;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import java.util.logging.Logger;

/**
 * Admits only connections whose peer runs as one uid, as the shim host does: the kernel's record of the
 * peer (SO_PEERCRED) is checked on the listening channel, before gRPC sees the connection, and anyone else
 * is disconnected. The socket's mode keeps others out already; this holds even if the mode is widened.
 */
final class PeerUidGate extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(PeerUidGate.class.getName());

    private final int allowedUid;

    private PeerUidGate(int allowedUid) {
        this.allowedUid = allowedUid;
    }

    /** Listening channels that each admit only {@code allowedUid}. */
    static ChannelFactory<ServerChannel> listeningChannels(int allowedUid) {
        return () -> {
            EpollServerDomainSocketChannel listening = new EpollServerDomainSocketChannel();
            // First in the pipeline, so it runs before the acceptor that hands the connection to gRPC.
            listening.pipeline().addFirst(new PeerUidGate(allowedUid));
            return listening;
        };
    }

    /** {@code accepted} is a connection the listening channel accepted and no one has registered yet. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object accepted) {
        Channel connection = (Channel) accepted;
        int fd = ((EpollDomainSocketChannel) connection).fd().intValue();
        int uid;
        try {
            uid = UnixSockets.peerUid(fd);
        } catch (ErrnoException e) {
            LOG.warning("admin socket: cannot tell who connected (" + e.getMessage() + "); disconnected");
            connection.unsafe().closeForcibly();
            return;
        }
        if (uid == allowedUid) {
            ctx.fireChannelRead(accepted);
            return;
        }
        LOG.warning("admin socket: refused a connection from uid " + uid + " (pid " + peerPid(fd)
                + "); only uid " + allowedUid + " may use it");
        connection.unsafe().closeForcibly();
    }

    private static String peerPid(int fd) {
        try {
            return Integer.toString(UnixSockets.peerPid(fd));
        } catch (ErrnoException e) {
            return "unknown";
        }
    }
}

package io.berth.server.streaming.portforward;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/** The client's side of one forwarded connection (a SPDY stream pair or a WebSocket channel pair). */
public interface ForwardClient {
    /** The client's connection; the target's relay runs on its event loop. */
    Channel channel();

    /** Bytes from the pod for the client; ownership passes. */
    void data(ByteBuf data);

    /** Reports a failure on the error stream. */
    void error(String message);

    /** The forwarded connection is over (the pod's side closed or failed). Called once. */
    void end();
}

package io.berth.server.streaming.exec;

import io.netty.channel.Channel;

/** The client side of an exec or attach session, whatever the wire protocol: where output and the end go. */
public interface ExecOutput {
    /** The client's connection (for writability and liveness). */
    Channel channel();

    void stdout(byte[] data);

    void stderr(byte[] data);

    /** Writes the status as the negotiated protocol wants it, ends every stream and closes the connection. */
    void finish(ExitStatus status);
}

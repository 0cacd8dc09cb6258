package io.berth.server.streaming.spdy;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.spdy.SpdyHeaders;

/** What runs on a SPDY connection (exec/attach or port-forward): told about the client's streams. */
interface SpdyStreams {
    /** The connection is upgraded; called once on the event loop before any other call. */
    void start(SpdyConnection connection);

    /** A client stream with its headers; false refuses it. */
    boolean opened(int streamId, SpdyHeaders headers);

    /** Data on an accepted stream; the callee owns (releases) the buffer. */
    void data(int streamId, ByteBuf data);

    /** The client half-closed the stream (FIN). */
    void remoteFinished(int streamId);

    /** The client reset the stream. */
    void reset(int streamId);

    void writabilityChanged();

    /** The connection is gone. */
    void closed();
}

package io.berth.server.streaming.spdy;

import io.berth.server.streaming.StreamingContext;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.spdy.SpdyHeaders;

final class SpdyPortForwardStreams implements SpdyStreams {
    static final int MAX_STREAMS = 1000;

    SpdyPortForwardStreams(String sandboxId, StreamingContext context) {
    }

    @Override
    public void start(SpdyConnection connection) {
    }

    @Override
    public boolean opened(int streamId, SpdyHeaders headers) {
        return false;
    }

    @Override
    public void data(int streamId, ByteBuf data) {
        data.release();
    }

    @Override
    public void remoteFinished(int streamId) {
    }

    @Override
    public void reset(int streamId) {
    }

    @Override
    public void writabilityChanged() {
    }

    @Override
    public void closed() {
    }
}

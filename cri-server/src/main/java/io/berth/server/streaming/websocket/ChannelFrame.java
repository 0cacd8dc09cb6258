package io.berth.server.streaming.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/** One message of a k8s channel WebSocket protocol: the channel number and its bytes (decoded). */
public final class ChannelFrame extends DefaultByteBufHolder {
    /** v5: a message on this channel asks to close the channel named by its one data byte. */
    public static final int CLOSE_SIGNAL = 255;

    private final int channel;

    public ChannelFrame(int channel, ByteBuf data) {
        super(data);
        this.channel = channel;
    }

    public int channel() {
        return channel;
    }
}

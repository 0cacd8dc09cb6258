package io.berth.server.streaming.websocket;

import io.berth.server.streaming.StreamingContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.List;

final class WebSocketPortForwardHandler extends ChannelInboundHandlerAdapter {
    WebSocketPortForwardHandler(String sandboxId, List<Integer> ports, StreamingContext context) {
    }
}

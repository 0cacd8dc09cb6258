package io.berth.e2e.streaming;

import io.berth.server.streaming.server.ChannelOutput;
import io.berth.server.streaming.server.WsClient;

/**
 * Exec or attach over WebSocket: channel 0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize; v5's channel 255 ends
 * stdin. Messages are taken off the client's queue whenever a stream is looked at.
 */
final class WebSocketExecConnection implements ExecConnection {
    private static final int STDIN = 0;
    private static final int STDOUT = 1;
    private static final int STDERR = 2;
    private static final int ERROR = 3;
    private static final int RESIZE = 4;
    private static final int CLOSE_SIGNAL = 255;

    private final WsClient client;
    private final ChannelOutput received = new ChannelOutput();
    private boolean closed;

    private WebSocketExecConnection(WsClient client) {
        this.client = client;
    }

    static WebSocketExecConnection open(String url, String protocol, Streams streams) throws Exception {
        WsClient client = WsClient.connect(url, protocol);
        String negotiated;
        try {
            negotiated = client.protocol();
        } catch (Exception e) {
            client.close();
            throw new AssertionError("WebSocket upgrade to " + protocol + " was refused", e);
        }
        if (!negotiated.equals(protocol)) {
            client.close();
            throw new AssertionError("asked for " + protocol + ", got " + negotiated);
        }
        return new WebSocketExecConnection(client);
    }

    private synchronized ChannelOutput drained() {
        for (WsClient.Msg m = client.poll(); m != null; m = client.poll()) {
            if (m.close()) {
                closed = true;
            } else {
                received.add(m.channel(), m.data());
            }
        }
        return received;
    }

    @Override
    public void stdin(String text) {
        client.send(STDIN, text);
    }

    @Override
    public void closeStdin() {
        client.sendRaw(new byte[] {(byte) CLOSE_SIGNAL, STDIN});
    }

    @Override
    public void resize(int width, int height) {
        client.send(RESIZE, "{\"Width\":" + width + ",\"Height\":" + height + "}");
    }

    @Override
    public String stdout() {
        return drained().text(STDOUT);
    }

    @Override
    public String stderr() {
        return drained().text(STDERR);
    }

    @Override
    public String error() {
        return drained().text(ERROR);
    }

    @Override
    public synchronized boolean ended() {
        drained();
        return closed;
    }

    @Override
    public void stopReading() {
        client.channel().config().setAutoRead(false);
    }

    @Override
    public void close() {
        client.close();
    }
}

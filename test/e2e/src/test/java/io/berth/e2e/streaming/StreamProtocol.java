package io.berth.e2e.streaming;

/**
 * The exec/attach protocol variants a client can pick, each as kubectl or kubelet's proxy speaks it: SPDY/3.1
 * with the v4 or v5 channel protocol, WebSocket with v4 (binary or base64 text frames) or v5.
 */
enum StreamProtocol {
    SPDY_V4(Transport.SPDY, "v4.channel.k8s.io"),
    SPDY_V5(Transport.SPDY, "v5.channel.k8s.io"),
    WEBSOCKET_V4(Transport.WEBSOCKET, "v4.channel.k8s.io"),
    WEBSOCKET_V4_BASE64(Transport.WEBSOCKET, "v4.base64.channel.k8s.io"),
    WEBSOCKET_V5(Transport.WEBSOCKET, "v5.channel.k8s.io");

    enum Transport { SPDY, WEBSOCKET }

    final Transport transport;
    final String name;

    StreamProtocol(Transport transport, String name) {
        this.transport = transport;
        this.name = name;
    }

    /** WebSocket v4 has no way to end stdin alone; SPDY half-closes the stream, v5 sends a close signal. */
    boolean canCloseStdin() {
        return this != WEBSOCKET_V4 && this != WEBSOCKET_V4_BASE64;
    }

    /** Opens the session the URL stands for, asking for exactly {@code streams}; fails unless it is accepted. */
    ExecConnection open(String url, Streams streams) throws Exception {
        return transport == Transport.SPDY ? SpdyExecConnection.open(url, name, streams)
                : WebSocketExecConnection.open(url, name, streams);
    }
}

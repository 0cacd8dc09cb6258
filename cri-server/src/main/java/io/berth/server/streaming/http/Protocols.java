package io.berth.server.streaming.http;

import java.util.ArrayList;
import java.util.List;

/** The sub-protocol names berth speaks, and kubelet's rule for picking one: the client's first that we know. */
public final class Protocols {
    public static final String CHANNEL_V1 = "channel.k8s.io";
    public static final String CHANNEL_V2 = "v2.channel.k8s.io";
    public static final String CHANNEL_V3 = "v3.channel.k8s.io";
    public static final String CHANNEL_V4 = "v4.channel.k8s.io";
    public static final String CHANNEL_V5 = "v5.channel.k8s.io";
    public static final String BASE64_CHANNEL = "base64.channel.k8s.io";
    public static final String V4_BASE64_CHANNEL = "v4.base64.channel.k8s.io";
    public static final String PORT_FORWARD = "portforward.k8s.io";

    /** SPDY exec/attach, newest first (kubelet's SupportedStreamingProtocols). */
    public static final List<String> SPDY_EXEC = List.of(CHANNEL_V5, CHANNEL_V4, CHANNEL_V3, CHANNEL_V2, CHANNEL_V1);
    public static final List<String> SPDY_PORT_FORWARD = List.of(PORT_FORWARD);
    /** WebSocket exec/attach; "" is a client that names no sub-protocol (binary channel.k8s.io). */
    public static final List<String> WEBSOCKET_EXEC = List.of(CHANNEL_V5, CHANNEL_V4, V4_BASE64_CHANNEL, CHANNEL_V1,
            BASE64_CHANNEL);
    /** WebSocket port-forward: kubelet's v4 names, and portforward.k8s.io for the same binary layout. */
    public static final List<String> WEBSOCKET_PORT_FORWARD = List.of(CHANNEL_V4, V4_BASE64_CHANNEL, PORT_FORWARD);

    private Protocols() {}

    /** Comma-separated header values, trimmed, empty ones dropped, in the client's order. */
    public static List<String> split(List<String> headerValues) {
        List<String> out = new ArrayList<>();
        for (String value : headerValues) {
            for (String part : value.split(",")) {
                String p = part.trim();
                if (!p.isEmpty()) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /** The first client protocol the server supports, or null. */
    public static String negotiate(List<String> client, List<String> server) {
        for (String c : client) {
            if (server.contains(c)) {
                return c;
            }
        }
        return null;
    }

    /** Whether v4+ status JSON goes on the error stream (else the v1 text). */
    public static boolean statusAsJson(String protocol) {
        return protocol.equals(CHANNEL_V4) || protocol.equals(CHANNEL_V5) || protocol.equals(V4_BASE64_CHANNEL);
    }

    /** SPDY v1 and v2 have no resize stream. */
    public static boolean spdyHasResize(String protocol) {
        return !protocol.equals(CHANNEL_V1) && !protocol.equals(CHANNEL_V2);
    }

    public static boolean isBase64(String protocol) {
        return protocol.equals(BASE64_CHANNEL) || protocol.equals(V4_BASE64_CHANNEL);
    }
}

package io.berth.e2e.streaming;

import io.berth.server.streaming.server.SpdyClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Exec or attach over SPDY/3.1 the way kubectl opens it: one stream per channel, the error stream first. */
final class SpdyExecConnection implements ExecConnection {
    private final SpdyClient client;
    private final Map<String, Integer> streamIds;

    private SpdyExecConnection(SpdyClient client, Map<String, Integer> streamIds) {
        this.client = client;
        this.streamIds = streamIds;
    }

    static SpdyExecConnection open(String url, String protocol, Streams streams) throws Exception {
        SpdyClient client = SpdyClient.connect(url, protocol);
        int status = client.status().status().code();
        if (status != 101) {
            client.close();
            throw new AssertionError("SPDY upgrade to " + protocol + " answered " + status);
        }
        List<String> types = new ArrayList<>(List.of("error"));
        if (streams.stdin()) {
            types.add("stdin");
        }
        if (streams.stdout()) {
            types.add("stdout");
        }
        if (streams.stderr()) {
            types.add("stderr");
        }
        if (streams.tty()) {
            types.add("resize");
        }
        return new SpdyExecConnection(client, client.openAll(types));
    }

    private int id(String type) {
        Integer id = streamIds.get(type);
        if (id == null) {
            throw new IllegalStateException("this session has no " + type + " stream");
        }
        return id;
    }

    @Override
    public void stdin(String text) {
        client.send(id("stdin"), text);
    }

    @Override
    public void closeStdin() {
        client.finish(id("stdin"));
    }

    @Override
    public void resize(int width, int height) {
        client.send(id("resize"), "{\"Width\":" + width + ",\"Height\":" + height + "}");
    }

    private String text(String type) {
        Integer id = streamIds.get(type);
        return id == null ? "" : new String(client.bytes(id), StandardCharsets.UTF_8);
    }

    @Override
    public String stdout() {
        return text("stdout");
    }

    @Override
    public String stderr() {
        return text("stderr");
    }

    @Override
    public String error() {
        return text("error");
    }

    @Override
    public boolean ended() {
        return client.isClosed();
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

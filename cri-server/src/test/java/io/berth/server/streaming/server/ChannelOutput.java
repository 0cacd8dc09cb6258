package io.berth.server.streaming.server;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What a client received, per channel (exec: 1 stdout, 2 stderr, 3 error), and the order of messages. */
public final class ChannelOutput {
    private final Map<Integer, ByteArrayOutputStream> byChannel = new TreeMap<>();
    public final List<Integer> order = new ArrayList<>();

    public void add(int channel, byte[] data) {
        byChannel.computeIfAbsent(channel, c -> new ByteArrayOutputStream()).writeBytes(data);
        order.add(channel);
    }

    public String text(int channel) {
        ByteArrayOutputStream b = byChannel.get(channel);
        return b == null ? "" : b.toString(StandardCharsets.UTF_8);
    }

    public byte[] bytes(int channel) {
        ByteArrayOutputStream b = byChannel.get(channel);
        return b == null ? new byte[0] : b.toByteArray();
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        byChannel.forEach((c, b) -> s.append(c).append('=').append(b.toString(StandardCharsets.UTF_8)).append(' '));
        return s.toString();
    }
}

package io.berth.server.streaming.exec;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.common.json.Mappers;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Turns the resize stream — back-to-back JSON objects {@code {"Width":80,"Height":24}}, split anywhere across
 * frames — into sizes. Like kubelet's decoder loop it gives up on the first malformed object; unlike an
 * unbounded decoder it never holds more than {@link #MAX_OBJECT} bytes.
 */
public final class ResizeDecoder {
    static final int MAX_OBJECT = 1024;

    private final BiConsumer<Integer, Integer> sink;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private int depth;
    private boolean inString;
    private boolean escaped;
    private boolean broken;

    public ResizeDecoder(BiConsumer<Integer, Integer> sink) {
        this.sink = sink;
    }

    /** Consumes (and does not release) the bytes. */
    public void feed(ByteBuf data) {
        while (!broken && data.isReadable()) {
            byte b = data.readByte();
            if (depth == 0 && b != '{') {
                if (!Character.isWhitespace(b)) {
                    broken = true;
                }
                continue;
            }
            pending.write(b);
            if (pending.size() > MAX_OBJECT) {
                broken = true;
                break;
            }
            track(b);
            if (depth == 0) {
                emit();
            }
        }
        if (broken) {
            data.skipBytes(data.readableBytes());
            pending.reset();
        }
    }

    public boolean isBroken() {
        return broken;
    }

    private void track(byte b) {
        if (inString) {
            if (escaped) {
                escaped = false;
            } else if (b == '\\') {
                escaped = true;
            } else if (b == '"') {
                inString = false;
            }
        } else if (b == '"') {
            inString = true;
        } else if (b == '{' || b == '[') {
            depth++;
        } else if (b == '}' || b == ']') {
            depth--;
        }
    }

    private void emit() {
        byte[] object = pending.toByteArray();
        pending.reset();
        try {
            JsonNode node = Mappers.plain().readTree(object);
            Integer width = null;
            Integer height = null;
            // Go's encoding/json matches field names case-insensitively.
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equalsIgnoreCase("width")) {
                    width = uint16(f.getValue());
                } else if (f.getKey().equalsIgnoreCase("height")) {
                    height = uint16(f.getValue());
                }
            }
            sink.accept(width == null ? 0 : width, height == null ? 0 : height);
        } catch (IOException | IllegalArgumentException e) {
            broken = true;
        }
    }

    private static int uint16(JsonNode v) {
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < 0 || v.intValue() > 0xFFFF) {
            throw new IllegalArgumentException("not a uint16: " + v);
        }
        return v.intValue();
    }
}

package io.berth.server.store;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The CRI config kept as protobuf bytes in an immutable record, parsed once per record rather than on every
 * List/Status call kubelet makes each second. Keys are the records' own byte arrays, which hash by identity,
 * so an entry lives exactly as long as the record that holds those bytes.
 */
public final class ParsedConfigs<T> {
    private final Map<byte[], T> parsed = Collections.synchronizedMap(new WeakHashMap<>());
    private final Parser<T> parser;
    private final String kind;

    public ParsedConfigs(Parser<T> parser, String kind) {
        this.parser = parser;
        this.kind = kind;
    }

    public T of(String id, byte[] bytes) {
        T known = parsed.get(bytes);
        if (known != null) {
            return known;
        }
        try {
            T config = parser.parseFrom(bytes);
            parsed.put(bytes, config);
            return config;
        } catch (InvalidProtocolBufferException e) {
            throw new UncheckedIOException(new IOException(kind + " " + id + " has an unreadable config record", e));
        }
    }
}

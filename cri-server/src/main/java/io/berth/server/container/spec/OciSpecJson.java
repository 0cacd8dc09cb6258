package io.berth.server.container.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;

/** Writes an {@link OciSpec} as the {@code config.json} bytes an OCI runtime reads. */
public final class OciSpecJson {
    // Map keys sorted so that the same request always gives the same file (diffable bundles, stable tests).
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private OciSpecJson() {}

    public static byte[] toBytes(OciSpec spec) {
        return toString(spec).getBytes(StandardCharsets.UTF_8);
    }

    public static String toString(OciSpec spec) {
        try {
            return MAPPER.writeValueAsString(spec);
        } catch (JsonProcessingException e) {
            // Records of strings and numbers cannot fail to serialise; if they do it is a bug here.
            throw new IllegalStateException("cannot serialise OCI spec: " + e.getMessage(), e);
        }
    }
}

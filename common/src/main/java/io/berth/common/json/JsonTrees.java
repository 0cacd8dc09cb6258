package io.berth.common.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * Parses JSON into Jackson's tree with the streaming parser alone. An {@code ObjectMapper} does the same, but the
 * first one a JVM makes costs some 45 ms of interpreted class set-up, on the path of every berthd start that reads
 * its records; this needs only the parser's factory.
 */
public final class JsonTrees {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonTrees() {}

    /** The one JSON value {@code bytes} hold; text after it is an error, as it is for ObjectMapper.readTree. */
    public static JsonNode parse(byte[] bytes) throws IOException {
        try (JsonParser in = FACTORY.createParser(bytes)) {
            JsonToken first = in.nextToken();
            if (first == null) {
                throw new IOException("no JSON value (the input is empty)");
            }
            JsonNode value = value(in, first);
            if (in.nextToken() != null) {
                throw new IOException("text after the JSON value at " + in.currentLocation().offsetDescription());
            }
            return value;
        }
    }

    private static JsonNode value(JsonParser in, JsonToken token) throws IOException {
        switch (token) {
            case START_OBJECT: {
                ObjectNode object = NODES.objectNode();
                for (JsonToken t = in.nextToken(); t != JsonToken.END_OBJECT; t = in.nextToken()) {
                    String name = in.currentName();
                    object.set(name, value(in, in.nextToken()));
                }
                return object;
            }
            case START_ARRAY: {
                ArrayNode array = NODES.arrayNode();
                for (JsonToken t = in.nextToken(); t != JsonToken.END_ARRAY; t = in.nextToken()) {
                    array.add(value(in, t));
                }
                return array;
            }
            case VALUE_STRING:
                return NODES.textNode(in.getText());
            case VALUE_NUMBER_INT:
                return switch (in.getNumberType()) {
                    case INT -> NODES.numberNode(in.getIntValue());
                    case LONG -> NODES.numberNode(in.getLongValue());
                    default -> NODES.numberNode(in.getBigIntegerValue());
                };
            case VALUE_NUMBER_FLOAT:
                return NODES.numberNode(in.getDoubleValue());
            case VALUE_TRUE:
                return NODES.booleanNode(true);
            case VALUE_FALSE:
                return NODES.booleanNode(false);
            case VALUE_NULL:
                return NODES.nullNode();
            default:
                throw new IOException("unexpected " + token + " at " + in.currentLocation().offsetDescription());
        }
    }
}

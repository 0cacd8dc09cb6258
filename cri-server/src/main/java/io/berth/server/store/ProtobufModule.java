package io.berth.server.store;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.module.SimpleDeserializers;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.google.protobuf.Internal;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.berth.common.json.RecordReader;
import java.io.IOException;
import java.util.Base64;

/**
 * Protobuf messages inside a record, written as the base64 of their wire bytes. The wire form keeps every field
 * kubelet sent, including ones this berth's CRI version does not know, and it is what records held as
 * {@code byte[]} were written as before, so those still read.
 */
final class ProtobufModule extends SimpleModule {
    ProtobufModule() {
        super("berth-protobuf-wire");
        addSerializer(MessageLite.class, new WireSerializer());
        setDeserializers(new WireDeserializers());
    }

    /** The same wire form for {@link io.berth.common.json.RecordReader}: a decoder for a message type, else null. */
    static RecordReader.Leaf leaf(Class<?> type) {
        if (!MessageLite.class.isAssignableFrom(type)) {
            return null;
        }
        Parser<? extends MessageLite> parser = Internal.getDefaultInstance(type.asSubclass(MessageLite.class))
                .getParserForType();
        String name = type.getSimpleName();
        return value -> {
            if (!value.isTextual()) {
                throw new IOException(name + " must be a base64 string, not " + value.getNodeType());
            }
            try {
                return parser.parseFrom(Base64.getDecoder().decode(value.textValue()));
            } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
                throw new IOException("unreadable " + name + ": " + e.getMessage(), e);
            }
        };
    }

    private static final class WireSerializer extends StdSerializer<MessageLite> {
        WireSerializer() {
            super(MessageLite.class);
        }

        @Override
        public void serialize(MessageLite message, JsonGenerator out, SerializerProvider provider) throws IOException {
            out.writeString(Base64.getEncoder().encodeToString(message.toByteArray()));
        }
    }

    /** One deserializer per message class, found by type so that this module names no CRI message. */
    private static final class WireDeserializers extends SimpleDeserializers {
        @Override
        public JsonDeserializer<?> findBeanDeserializer(JavaType type, DeserializationConfig config,
                BeanDescription description) throws JsonMappingException {
            Class<?> raw = type.getRawClass();
            if (MessageLite.class.isAssignableFrom(raw)) {
                return new WireDeserializer(raw.asSubclass(MessageLite.class));
            }
            return super.findBeanDeserializer(type, config, description);
        }
    }

    private static final class WireDeserializer extends StdDeserializer<MessageLite> {
        private final Parser<? extends MessageLite> parser;

        WireDeserializer(Class<? extends MessageLite> type) {
            super(type);
            this.parser = Internal.getDefaultInstance(type).getParserForType();
        }

        @Override
        public MessageLite deserialize(JsonParser in, DeserializationContext context) throws IOException {
            String name = handledType().getSimpleName();
            if (in.currentToken() != JsonToken.VALUE_STRING) {
                throw JsonMappingException.from(in, name + " must be a base64 string, not " + in.currentToken());
            }
            try {
                return parser.parseFrom(Base64.getDecoder().decode(in.getText()));
            } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
                throw JsonMappingException.from(in, "unreadable " + name + ": " + e.getMessage(), e);
            }
        }
    }
}

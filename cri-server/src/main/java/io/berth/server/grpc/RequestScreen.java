package io.berth.server.grpc;

import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MessageOrBuilder;
import io.berth.common.error.InvalidArgumentException;
import java.util.List;
import java.util.Map;

/**
 * What no field of a request can mean, refused once at the edge before any RPC sees the request, so that no handler
 * has to remember it: an enum number this API does not define (a handler would read it as the default, or fail
 * inside berthd), a NUL byte in a string (no path, name, argument or environment entry the kernel takes can hold
 * one), and {@code labels} or {@code annotations} beyond {@link #MAX_MAP_BYTES} (every list answer carries them, and
 * a few such objects would push kubelet's lists past its 16 MiB message limit).
 */
final class RequestScreen {
    /** Kubernetes' own bound on an object's annotations, so nothing kubelet passes on is refused. */
    static final int MAX_MAP_BYTES = 256 * 1024;

    private RequestScreen() {}

    static void check(Object request) {
        if (request instanceof MessageOrBuilder message) {
            walk(message, "");
        }
    }

    private static void walk(MessageOrBuilder message, String prefix) {
        for (Map.Entry<FieldDescriptor, Object> set : message.getAllFields().entrySet()) {
            FieldDescriptor field = set.getKey();
            String name = prefix + field.getName();
            if (field.isMapField()) {
                checkMap(field, (List<?>) set.getValue(), name);
            } else if (field.isRepeated()) {
                List<?> elements = (List<?>) set.getValue();
                for (int i = 0; i < elements.size(); i++) {
                    checkValue(field, elements.get(i), name + "[" + i + "]");
                }
            } else {
                checkValue(field, set.getValue(), name);
            }
        }
    }

    private static void checkValue(FieldDescriptor field, Object value, String name) {
        switch (field.getJavaType()) {
            case MESSAGE -> walk((MessageOrBuilder) value, name + ".");
            case STRING -> refuseNul((String) value, name);
            case ENUM -> {
                EnumValueDescriptor v = (EnumValueDescriptor) value;
                if (v.getType().findValueByNumber(v.getNumber()) == null) {
                    throw new InvalidArgumentException(name + ": " + v.getNumber() + " is not a value of "
                            + v.getType().getName() + " " + v.getType().getValues().stream()
                                    .map(known -> known.getName() + "=" + known.getNumber()).toList());
                }
            }
            default -> { }
        }
    }

    private static void checkMap(FieldDescriptor field, List<?> entries, String name) {
        boolean bounded = field.getName().equals("labels") || field.getName().equals("annotations");
        long bytes = 0;
        for (Object entry : entries) {
            MessageOrBuilder pair = (MessageOrBuilder) entry;
            for (Map.Entry<FieldDescriptor, Object> part : pair.getAllFields().entrySet()) {
                if (part.getValue() instanceof String s) {
                    refuseNul(s, name + "." + part.getKey().getName());
                    bytes += s.length();
                } else {
                    checkValue(part.getKey(), part.getValue(), name + "." + part.getKey().getName());
                }
            }
        }
        if (bounded && bytes > MAX_MAP_BYTES) {
            throw new InvalidArgumentException(name + ": " + entries.size() + " entries of " + bytes
                    + " characters in all; berth takes at most " + MAX_MAP_BYTES + " (Kubernetes' own limit on"
                    + " an object's annotations)");
        }
    }

    private static void refuseNul(String value, String name) {
        if (value.indexOf('\0') >= 0) {
            throw new InvalidArgumentException(name + ": contains a NUL byte at " + value.indexOf('\0'));
        }
    }
}

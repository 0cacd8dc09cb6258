package io.berth.e2e.reliability;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every hostile value for every field of one CRI request, made from the request's own descriptor so that a field
 * added to the proto is covered without anyone listing it. Starting from a request that would succeed, each case
 * changes one leaf field (nested messages are walked, repeated messages get one element, maps one entry): a string
 * becomes empty, a path that climbs out of any base with {@code ..}, one with a NUL, or a megabyte; a number goes
 * negative or to its maximum; an enum gets a raw number no version of the API defines.
 */
final class HostileRequestTable {
    /** From any directory, enough {@code ..} to reach {@code /}: so a value followed anywhere lands in /tmp. */
    static final String CLIMB = "../".repeat(24);
    static final int MEGABYTE = 1024 * 1024;
    static final int UNKNOWN_ENUM = 9999;
    private static final int MAX_DEPTH = 6;
    private static final int SAMPLED_LEAVES = 3;

    /** Fields whose hostile values must be refused, not just survived: ids, and paths berth makes or mounts. */
    private static final Set<String> MUST_REFUSE_STRINGS = Set.of("pod_sandbox_id", "container_id",
            "log_directory", "log_path", "host_path", "container_path");

    /** Whether berth must refuse a case, and where. */
    enum Refusal {
        /** Anything goes, as long as berth answers and leaves nothing: a free-form string, a number. */
        NONE,
        /** An id or a path berth makes or mounts; a Stop, Remove or List of what is not there may still succeed. */
        ID_OR_PATH,
        /** Refused by every RPC: an unknown enum number, a NUL byte, oversized labels or annotations. */
        ALWAYS
    }

    /** One request to send: which field was made hostile, how, and whether berth must refuse it. */
    record Case(String field, String value, Message request, Refusal refusal) {
        @Override
        public String toString() {
            return field + " = " + value;
        }
    }

    private final String canary;
    private final Map<String, Message> seeds;
    private final Set<String> skipped;
    private final boolean full;
    private final List<Case> cases = new ArrayList<>();
    private final List<Case> leaf = new ArrayList<>();
    private int leaves;

    private HostileRequestTable(String canary, Map<String, Message> seeds, Set<String> skipped, boolean full) {
        this.full = full;
        this.canary = canary;
        this.seeds = seeds;
        this.skipped = skipped;
    }

    /**
     * Cases for {@code base}, an RPC's request that would be accepted. {@code canary} is the name a traversal
     * value tries to reach in /tmp: if a file of that name appears, berth followed a hostile path out of its place.
     * {@code seeds} gives, by message type name, the element a repeated field gets before its fields are made
     * hostile one at a time (a mount with a real host path, say), so that each case is refused for its own field.
     * Top-level fields named in {@code skipped} are left alone (a copy of what another RPC's table covers). Unless
     * {@code full}, a leaf gets one of its values berth may accept rather than all of them.
     */
    static List<Case> of(Message base, String canary, Map<String, Message> seeds, Set<String> skipped,
            boolean full) {
        HostileRequestTable table = new HostileRequestTable(canary, seeds, skipped, full);
        table.walk(base, new ArrayList<>(), "");
        return table.cases;
    }

    private void walk(Message base, List<Step> path, String name) {
        if (path.size() > MAX_DEPTH) {
            return;
        }
        Message at = messageAt(base, path);
        for (FieldDescriptor field : at.getDescriptorForType().getFields()) {
            if (path.isEmpty() && skipped.contains(field.getName())) {
                continue;
            }
            String fieldName = name.isEmpty() ? field.getName() : name + "." + field.getName();
            List<Step> fieldPath = with(path, new Step(field, -1));
            if (field.isMapField()) {
                mapCases(base, fieldPath, fieldName, field);
            } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                if (isWellKnownWrapper(field)) {
                    continue;
                }
                if (field.isRepeated()) {
                    Message withOne = set(base, fieldPath, seedOf(at, field), true);
                    walk(withOne, with(path, new Step(field, at.getRepeatedFieldCount(field))), fieldName + "[]");
                } else {
                    walk(base, fieldPath, fieldName);
                }
            } else {
                scalarCases(base, fieldPath, fieldName, field, at);
            }
        }
    }

    private void scalarCases(Message base, List<Step> path, String name, FieldDescriptor field, Message at) {
        Refusal refuse = MUST_REFUSE_STRINGS.contains(field.getName()) ? Refusal.ID_OR_PATH : Refusal.NONE;
        boolean repeated = field.isRepeated();
        switch (field.getJavaType()) {
            case STRING -> {
                if (!repeated && !((String) at.getField(field)).isEmpty()) {
                    // No log is a log_path or log_directory kubelet may send; an empty id or mount path is not.
                    Refusal empty = field.getName().startsWith("log") ? Refusal.NONE : refuse;
                    add(name, "\"\"", set(base, path, "", false), empty);
                }
                add(name, "a climb to /tmp/" + canary, set(base, path, CLIMB + "tmp/" + canary, repeated), refuse);
                add(name, "a NUL byte", set(base, path, "nul\u0000" + canary, repeated), Refusal.ALWAYS);
                add(name, "1 MiB", set(base, path, "x".repeat(MEGABYTE), repeated), refuse);
            }
            case INT, LONG -> {
                boolean wide = field.getJavaType() == FieldDescriptor.JavaType.LONG;
                Refusal negative = field.getName().equals("timeout") ? Refusal.ALWAYS : Refusal.NONE;
                add(name, "-1", set(base, path, wide ? (Object) (-1L) : (Object) (-1), repeated), negative);
                add(name, "max", set(base, path, wide ? (Object) Long.MAX_VALUE : (Object) Integer.MAX_VALUE,
                        repeated), Refusal.NONE);
                add(name, "min", set(base, path, wide ? (Object) Long.MIN_VALUE : (Object) Integer.MIN_VALUE,
                        repeated), negative);
            }
            case ENUM -> {
                EnumDescriptor type = field.getEnumType();
                add(name, "enum " + UNKNOWN_ENUM, set(base, path,
                        type.findValueByNumberCreatingIfUnknown(UNKNOWN_ENUM), repeated), Refusal.ALWAYS);
            }
            case BYTE_STRING -> add(name, "1 MiB", set(base, path,
                    ByteString.copyFrom(new byte[MEGABYTE]), repeated), Refusal.NONE);
            case DOUBLE, FLOAT -> { }
            case BOOLEAN -> { }
            default -> throw new IllegalStateException("no hostile values for " + field.getJavaType());
        }
        endLeaf();
    }

    private void mapCases(Message base, List<Step> path, String name, FieldDescriptor field) {
        FieldDescriptor key = field.getMessageType().findFieldByName("key");
        FieldDescriptor value = field.getMessageType().findFieldByName("value");
        if (key.getJavaType() != FieldDescriptor.JavaType.STRING
                || value.getJavaType() != FieldDescriptor.JavaType.STRING) {
            return;
        }
        Refusal bounded = field.getName().equals("labels") || field.getName().equals("annotations")
                ? Refusal.ALWAYS : Refusal.NONE;
        add(name, "a 1 MiB value", set(base, path, entry(field, "k", "v".repeat(MEGABYTE)), true), bounded);
        add(name, "a 1 MiB key", set(base, path, entry(field, "k".repeat(MEGABYTE), "v"), true), bounded);
        add(name, "a climbing key", set(base, path, entry(field, CLIMB + "tmp/" + canary, "v"), true), Refusal.NONE);
        add(name, "a NUL byte", set(base, path, entry(field, "k", "nul\u0000"), true), Refusal.ALWAYS);
        endLeaf();
    }

    private void add(String field, String value, Message request, Refusal refusal) {
        leaf.add(new Case(field, value, request, refusal));
    }

    /**
     * Every case of the leaf berth must refuse (a refusal costs a millisecond). Of those it may accept (each costs a
     * pod or container made and removed, a few hundred): all in the full table; else one for every
     * {@value #SAMPLED_LEAVES}th leaf, a different kind each time.
     */
    private void endLeaf() {
        List<Case> free = leaf.stream().filter(c -> c.refusal() == Refusal.NONE).toList();
        leaf.stream().filter(c -> c.refusal() != Refusal.NONE).forEach(cases::add);
        if (full) {
            cases.addAll(free);
        } else if (!free.isEmpty() && leaves % SAMPLED_LEAVES == 0) {
            cases.add(free.get(leaves / SAMPLED_LEAVES % free.size()));
        }
        leaves++;
        leaf.clear();
    }

    private static Message entry(FieldDescriptor mapField, String key, String value) {
        Message.Builder entry = DynamicMessage.newBuilder(mapField.getMessageType());
        entry.setField(mapField.getMessageType().findFieldByName("key"), key);
        entry.setField(mapField.getMessageType().findFieldByName("value"), value);
        return entry.build();
    }

    private static boolean isWellKnownWrapper(FieldDescriptor field) {
        return field.getMessageType().getFile().getPackage().equals("google.protobuf");
    }

    private Message seedOf(Message parent, FieldDescriptor field) {
        Message seed = seeds.get(field.getMessageType().getFullName());
        return seed != null ? seed : parent.newBuilderForType().newBuilderForField(field).build();
    }

    /** One step of a path into a request: a field, and for a repeated message field the element's index. */
    private record Step(FieldDescriptor field, int index) {
    }

    private static List<Step> with(List<Step> path, Step step) {
        List<Step> longer = new ArrayList<>(path);
        longer.add(step);
        return longer;
    }

    private static Message messageAt(Message message, List<Step> path) {
        Message at = message;
        for (Step step : path) {
            at = (Message) (step.index() >= 0 ? at.getRepeatedField(step.field(), step.index())
                    : at.getField(step.field()));
        }
        return at;
    }

    /** {@code message} with the field at the end of {@code path} set to {@code value} (or {@code value} added). */
    private static Message set(Message message, List<Step> path, Object value, boolean add) {
        Step first = path.get(0);
        Message.Builder builder = message.toBuilder();
        if (path.size() == 1) {
            if (add) {
                Object element = value;
                if (value instanceof Message entry && first.field().isMapField()) {
                    // A map field takes its generated entry type; the dynamic one is copied across by descriptor.
                    element = builder.newBuilderForField(first.field()).mergeFrom(entry).build();
                }
                builder.addRepeatedField(first.field(), element);
            } else {
                builder.setField(first.field(), value);
            }
            return builder.build();
        }
        List<Step> rest = path.subList(1, path.size());
        if (first.index() >= 0) {
            Message element = (Message) message.getRepeatedField(first.field(), first.index());
            builder.setRepeatedField(first.field(), first.index(), set(element, rest, value, add));
        } else {
            builder.setField(first.field(), set((Message) message.getField(first.field()), rest, value, add));
        }
        return builder.build();
    }
}

package io.berth.common.validate;

import io.berth.common.error.InvalidArgumentException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Request checks that fail with {@link InvalidArgumentException} naming the offending field, so that a
 * person reading the gRPC error knows which part of the request to fix.
 */
public final class Require {
    /** Full object ids: 64 lowercase hex characters, as containerd and CRI-O hand out. */
    private static final Pattern FULL_ID = Pattern.compile("[0-9a-f]{64}");
    /** What berth accepts where an id is expected: a full id or a unique prefix of one. */
    private static final Pattern ID_OR_PREFIX = Pattern.compile("[0-9a-f]{1,64}");
    /** Names become parts of paths and cgroup names: keep them to a safe alphabet. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,252}");

    private Require() {}

    /** The message field must be set. */
    public static void present(boolean isSet, String field) {
        if (!isSet) {
            throw new InvalidArgumentException(field + " is required");
        }
    }

    /** The string field must be non-empty; returns it. */
    public static String nonEmpty(String value, String field) {
        if (value == null || value.isEmpty()) {
            throw new InvalidArgumentException(field + " is required and must not be empty");
        }
        return value;
    }

    /** An id field: a full 64-hex id or a prefix of one. */
    public static String idOrPrefix(String value, String field) {
        nonEmpty(value, field);
        if (!ID_OR_PREFIX.matcher(value).matches()) {
            throw new InvalidArgumentException(
                    field + " '" + printable(value) + "' is not an id: expected up to 64 lowercase hex characters");
        }
        return value;
    }

    /**
     * The id of an idempotent Stop or Remove call: empty when the value is not of an id's form, since such a value
     * names nothing that could exist, and the CRI wants those calls to succeed for objects that are gone (critest
     * sends UUIDs). An empty value is still refused: it is a caller's mistake, not a gone object.
     */
    public static Optional<String> idIfWellFormed(String value, String field) {
        nonEmpty(value, field);
        return ID_OR_PREFIX.matcher(value).matches() ? Optional.of(value) : Optional.empty();
    }

    /** Whether the value is a complete id rather than a prefix. */
    public static boolean isFullId(String value) {
        return value != null && FULL_ID.matcher(value).matches();
    }

    /** A name that will become part of a path or a cgroup: no slashes, no dot-dot, bounded length. */
    public static String safeName(String value, String field) {
        nonEmpty(value, field);
        if (!NAME.matcher(value).matches() || value.equals("..")) {
            throw new InvalidArgumentException(field + " '" + printable(value)
                    + "' is not a valid name: use letters, digits, '_', '.', '-', start with a letter or digit,"
                    + " at most 253 characters");
        }
        return value;
    }

    /** Quotes untrusted input in an error message without letting it forge lines or run on forever. */
    public static String printable(String value) {
        StringBuilder out = new StringBuilder();
        int limit = Math.min(value.length(), 120);
        for (int i = 0; i < limit; i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (value.length() > limit) {
            out.append("...");
        }
        return out.toString();
    }
}

package io.berth.server.config;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What is wrong with one config, gathered key by key so that one run names every mistake. A rule refuses a
 * value by throwing {@link ConfigException} with a message that names the key; the refusal is recorded here and
 * the default stands in, so the rules after it still see a whole config.
 */
final class Problems {
    record Problem(KeyPath key, String message) {}

    private final List<Problem> found = new ArrayList<>();

    void add(KeyPath key, String message) {
        found.add(new Problem(key, message));
    }

    List<Problem> all() {
        return List.copyOf(found);
    }

    boolean isEmpty() {
        return found.isEmpty();
    }

    int count() {
        return found.size();
    }

    /** The rule's value for a key the file sets, or the fallback when the file leaves it out or the rule refuses. */
    <R, T> T value(KeyPath key, R raw, T fallback, Function<R, T> rule) {
        return raw == null ? fallback : checked(key, () -> rule.apply(raw), fallback);
    }

    <R, T> T value(String key, R raw, T fallback, Function<R, T> rule) {
        return value(KeyPath.of(key), raw, fallback, rule);
    }

    /** A rule over several keys, such as a record's invariant; a refusal is recorded against key. */
    <T> T checked(KeyPath key, Supplier<T> rule, T fallback) {
        try {
            return rule.get();
        } catch (ConfigException e) {
            add(key, e.getMessage());
            return fallback;
        }
    }
}

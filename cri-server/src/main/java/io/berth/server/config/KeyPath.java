package io.berth.server.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A key's place in a TOML document, as its segments: {@code runtimes."kata.v2".binary} is three segments,
 * which a dotted string could not tell from four.
 */
record KeyPath(List<String> segments) {
    static final KeyPath ROOT = new KeyPath(List.of());
    private static final Pattern BARE = Pattern.compile("[A-Za-z0-9_-]+");

    KeyPath {
        segments = List.copyOf(segments);
    }

    /** A path of schema keys, whose names never hold a dot. */
    static KeyPath of(String dotted) {
        return new KeyPath(List.of(dotted.split("\\.")));
    }

    KeyPath child(String segment) {
        return plus(List.of(segment));
    }

    KeyPath plus(List<String> more) {
        List<String> all = new ArrayList<>(segments);
        all.addAll(more);
        return new KeyPath(all);
    }

    boolean startsWith(KeyPath prefix) {
        return segments.size() >= prefix.segments.size()
                && segments.subList(0, prefix.segments.size()).equals(prefix.segments);
    }

    KeyPath parent() {
        return new KeyPath(segments.subList(0, Math.max(0, segments.size() - 1)));
    }

    /** As written in TOML: bare segments as they are, any other quoted. */
    @Override
    public String toString() {
        List<String> shown = new ArrayList<>();
        for (String s : segments) {
            shown.add(BARE.matcher(s).matches() ? s : TomlStrings.quote(s));
        }
        return String.join(".", shown);
    }
}

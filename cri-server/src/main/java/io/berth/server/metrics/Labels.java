package io.berth.server.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** The label pairs of one time series, in the order given; names are checked, values are any text. */
public record Labels(List<String> names, List<String> values) {
    public static final Labels NONE = new Labels(List.of(), List.of());

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    public Labels {
        names = List.copyOf(names);
        values = List.copyOf(values);
        if (names.size() != values.size()) {
            throw new IllegalArgumentException("labels " + names + " and values " + values + " differ in number");
        }
        for (String n : names) {
            // "__" is reserved for Prometheus itself; "quantile" is what a summary adds.
            if (!NAME.matcher(n).matches() || n.startsWith("__") || n.equals("quantile")) {
                throw new IllegalArgumentException("not a usable label name: '" + n + "'");
            }
        }
    }

    /** {@code Labels.of("rpc", "Version", "code", "OK")}. */
    public static Labels of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in name, value pairs");
        }
        List<String> names = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            names.add(namesAndValues[i]);
            values.add(namesAndValues[i + 1]);
        }
        return new Labels(names, values);
    }

    /** {@code {a="1",b="x\"y"}}, or the empty string without labels: the text format's label set. */
    String render() {
        return names.isEmpty() ? "" : "{" + pairs() + "}";
    }

    /** The label set with one more pair after these, as a summary's quantile lines need. */
    String renderWith(String name, String value) {
        String extra = name + "=\"" + escapeValue(value) + '"';
        return names.isEmpty() ? "{" + extra + "}" : "{" + pairs() + "," + extra + "}";
    }

    private String pairs() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < names.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(names.get(i)).append("=\"").append(escapeValue(values.get(i))).append('"');
        }
        return out.toString();
    }

    /** Label values escape backslash, double quote and line feed. */
    static String escapeValue(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}

package io.berth.server.metrics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text format 0.0.4, written from the format's description rather than from
 * the writer under test: it rejects what Prometheus would reject, and a few things it tolerates but berth never
 * writes (blank lines, samples before their TYPE, interleaved families).
 */
final class PrometheusTextParser {
    record Sample(String name, Map<String, String> labels, double value) {}

    record Family(String name, String help, String type, List<Sample> samples) {
        Optional<Sample> sample(String sampleName, Map<String, String> labels) {
            return samples.stream().filter(s -> s.name().equals(sampleName) && s.labels().equals(labels)).findFirst();
        }
    }

    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") ((?:[^\\\\\\n]|\\\\\\\\|\\\\n)*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|summary|histogram|untyped)");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{[^\\n]*\\})? (\\S+)( -?\\d+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\\\\\|\\\\\"|\\\\n)*)\"");
    private static final Pattern VALUE = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?|[+-]?Inf|NaN");

    private PrometheusTextParser() {}

    static Map<String, Family> parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("the exposition must end with a line feed");
        }
        Map<String, Family> families = new LinkedHashMap<>();
        Map<String, String> helps = new LinkedHashMap<>();
        Set<String> series = new HashSet<>();
        Family current = null;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            String where = "line " + (i + 1) + " '" + line + "': ";
            Matcher m;
            if ((m = HELP.matcher(line)).matches()) {
                if (helps.put(m.group(1), unescape(m.group(2), false)) != null) {
                    throw new IllegalArgumentException(where + "second HELP");
                }
            } else if ((m = TYPE.matcher(line)).matches()) {
                if (families.containsKey(m.group(1))) {
                    throw new IllegalArgumentException(where + "second TYPE for the family");
                }
                current = new Family(m.group(1), helps.get(m.group(1)), m.group(2), new ArrayList<>());
                families.put(current.name(), current);
            } else if (line.startsWith("#")) {
                if (line.startsWith("# HELP") || line.startsWith("# TYPE")) {
                    throw new IllegalArgumentException(where + "malformed HELP or TYPE");
                }
            } else if ((m = SAMPLE.matcher(line)).matches()) {
                if (current == null || !belongsTo(m.group(1), current)) {
                    throw new IllegalArgumentException(where + "sample outside its family's TYPE block");
                }
                Map<String, String> labels = labels(m.group(2), where);
                if (current.type().equals("summary") && m.group(1).equals(current.name())
                        != labels.containsKey("quantile")) {
                    throw new IllegalArgumentException(where + "summary quantile label on the wrong series");
                }
                if (!VALUE.matcher(m.group(3)).matches()) {
                    throw new IllegalArgumentException(where + "not a float value");
                }
                if (!series.add(m.group(1) + labels)) {
                    throw new IllegalArgumentException(where + "duplicate series");
                }
                current.samples().add(new Sample(m.group(1), labels, parseValue(m.group(3))));
            } else {
                throw new IllegalArgumentException(where + "not a HELP, TYPE, comment or sample line");
            }
        }
        for (Family f : families.values()) {
            if (f.help() == null) {
                throw new IllegalArgumentException(f.name() + " has no HELP");
            }
        }
        return families;
    }

    private static boolean belongsTo(String sample, Family family) {
        if (family.type().equals("summary")) {
            return sample.equals(family.name()) || sample.equals(family.name() + "_sum")
                    || sample.equals(family.name() + "_count");
        }
        return sample.equals(family.name());
    }

    private static Map<String, String> labels(String block, String where) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (block == null) {
            return labels;
        }
        String inner = block.substring(1, block.length() - 1);
        Matcher m = LABEL.matcher(inner);
        int at = 0;
        while (at < inner.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException(where + "bad label set at '" + inner.substring(at) + "'");
            }
            if (labels.put(m.group(1), unescape(m.group(2), true)) != null) {
                throw new IllegalArgumentException(where + "label " + m.group(1) + " twice");
            }
            at = m.end();
            if (at < inner.length()) {
                if (inner.charAt(at) != ',') {
                    throw new IllegalArgumentException(where + "labels must be separated by commas");
                }
                at++;
            }
        }
        return labels;
    }

    private static String unescape(String s, boolean quotes) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char next = s.charAt(++i);
            switch (next) {
                case '\\' -> out.append('\\');
                case 'n' -> out.append('\n');
                case '"' -> {
                    if (!quotes) {
                        throw new IllegalArgumentException("\\\" is not an escape in HELP");
                    }
                    out.append('"');
                }
                default -> throw new IllegalArgumentException("unknown escape \\" + next);
            }
        }
        return out.toString();
    }

    private static double parseValue(String v) {
        return switch (v) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(v);
        };
    }
}

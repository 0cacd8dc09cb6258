package io.berth.e2e.metrics;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of a {@code /metrics} endpoint, checked line by line against the Prometheus text format 0.0.4
 * grammar (written here from the format's description; the e2e suite sees berthd only from outside).
 */
public final class PrometheusScrape {
    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final String LABEL = "[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\"";
    private static final String VALUE = "(?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]?Inf|NaN)";
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (?:[^\\\\\\n]|\\\\[\\\\n])*");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|summary|histogram|untyped)");
    private static final Pattern SAMPLE = Pattern.compile(
            "(" + NAME + ")(\\{(?:" + LABEL + "(?:," + LABEL + ")*)?\\})? (" + VALUE + ")(?: -?\\d+)?");

    public final String contentType;
    /** Series ({@code name{labels}} exactly as written) to value. */
    public final Map<String, Double> series = new HashMap<>();
    /** Family name to type. */
    public final Map<String, String> types = new HashMap<>();

    private PrometheusScrape(String contentType, String body) {
        this.contentType = contentType;
        if (!body.endsWith("\n")) {
            throw new AssertionError("exposition does not end with a line feed");
        }
        Set<String> helped = new HashSet<>();
        String family = null;
        String[] lines = body.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            Matcher m;
            if ((m = HELP.matcher(line)).matches()) {
                check(helped.add(m.group(1)), i, line, "second HELP");
            } else if ((m = TYPE.matcher(line)).matches()) {
                check(types.put(m.group(1), m.group(2)) == null, i, line, "second TYPE");
                check(helped.contains(m.group(1)), i, line, "TYPE without HELP before it");
                family = m.group(1);
            } else if ((m = SAMPLE.matcher(line)).matches()) {
                String name = m.group(1);
                check(family != null && (name.equals(family) || (types.get(family).equals("summary")
                        && (name.equals(family + "_sum") || name.equals(family + "_count")))), i, line,
                        "sample outside its family");
                String key = name + (m.group(2) == null ? "" : m.group(2));
                check(series.put(key, parse(m.group(3))) == null, i, line, "duplicate series");
            } else {
                throw new AssertionError("line " + (i + 1) + " is not Prometheus text: '" + line + "'");
            }
        }
    }

    public static PrometheusScrape of(int port) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError("GET /metrics answered " + response.statusCode() + ": " + response.body());
        }
        return new PrometheusScrape(response.headers().firstValue("Content-Type").orElse(""), response.body());
    }

    /** The value of one series, 0 when it does not exist yet (a counter that never moved). */
    public double valueOr0(String seriesName) {
        return series.getOrDefault(seriesName, 0.0);
    }

    private static void check(boolean ok, int index, String line, String problem) {
        if (!ok) {
            throw new AssertionError("line " + (index + 1) + " '" + line + "': " + problem);
        }
    }

    private static double parse(String v) {
        return switch (v) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(v);
        };
    }
}

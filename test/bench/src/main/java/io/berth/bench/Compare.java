package io.berth.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the result files of several rounds and runtimes; prints, per figure, each runtime's median over the rounds
 * and the ratio first-runtime / second-runtime (berth / containerd): the median of the per-round ratios and their
 * spread (min-max). Counts (pods listed, processes, layers) are shown, not divided.
 */
final class Compare {
    private Compare() {}

    static boolean isCount(String key) {
        String leaf = key.substring(key.lastIndexOf('.') + 1);
        return leaf.startsWith("listed_") || leaf.endsWith("_processes") || leaf.equals("layers") || leaf.equals("mib")
                || leaf.equals("cycles") || leaf.equals("calls") || leaf.equals("nonzero_exits") || leaf.equals("seconds")
                && key.startsWith("logs.");
    }

    static boolean higherIsBetter(String key) {
        return key.endsWith("_per_s");
    }

    public static void main(String[] args) throws Exception {
        Path out = null;
        Path markdown = null;
        List<Path> inputs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--markdown" -> markdown = Path.of(args[++i]);
                default -> inputs.add(Path.of(args[i]));
            }
        }
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("compare needs result files");
        }
        List<JsonNode> runs = new ArrayList<>();
        for (Path p : inputs) {
            runs.add(Images.JSON.readTree(p.toFile()));
        }
        Set<String> runtimes = new LinkedHashSet<>();
        Set<String> keys = new LinkedHashSet<>();
        Map<String, Map<Integer, Map<String, Double>>> byRuntimeRound = new LinkedHashMap<>();
        for (JsonNode r : runs) {
            String rt = r.get("runtime").asText();
            runtimes.add(rt);
            Map<String, Double> f = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = r.get("figures").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                keys.add(e.getKey());
                f.put(e.getKey(), e.getValue().asDouble());
            }
            byRuntimeRound.computeIfAbsent(rt, k -> new LinkedHashMap<>()).put(r.get("round").asInt(), f);
        }
        List<String> rts = new ArrayList<>(runtimes);
        ObjectNode combined = Images.JSON.createObjectNode();
        combined.set("machine", runs.get(0).get("machine"));
        combined.put("quick", runs.get(0).get("quick").asBoolean());
        ObjectNode versions = combined.putObject("runtimes");
        for (JsonNode r : runs) {
            versions.put(r.get("runtime").asText(), r.get("runtime_name").asText() + " " + r.get("runtime_version").asText());
        }
        ObjectNode medians = combined.putObject("medians");
        ObjectNode ratios = combined.putObject("ratios");
        StringBuilder table = new StringBuilder();
        String ratioName = rts.size() >= 2 ? rts.get(0) + "/" + rts.get(1) : "";
        table.append("| figure |");
        rts.forEach(rt -> table.append(' ').append(rt).append(" |"));
        if (rts.size() >= 2) {
            table.append(' ').append(ratioName).append(" (spread) |");
        }
        table.append('\n').append("|---|");
        rts.forEach(rt -> table.append("---:|"));
        if (rts.size() >= 2) {
            table.append("---:|");
        }
        table.append('\n');
        for (String key : keys) {
            table.append("| ").append(key).append(" |");
            Map<String, Double> med = new LinkedHashMap<>();
            for (String rt : rts) {
                List<Double> vals = new ArrayList<>();
                byRuntimeRound.get(rt).values().forEach(f -> {
                    if (f.containsKey(key)) {
                        vals.add(f.get(key));
                    }
                });
                double m = Stats.median(vals);
                med.put(rt, m);
                medians.with(rt).put(key, m);
                table.append(' ').append(Double.isNaN(m) ? "-" : fmt(m)).append(" |");
            }
            if (rts.size() >= 2) {
                List<Double> perRound = new ArrayList<>();
                Map<Integer, Map<String, Double>> a = byRuntimeRound.get(rts.get(0));
                Map<Integer, Map<String, Double>> b = byRuntimeRound.get(rts.get(1));
                for (Integer round : a.keySet()) {
                    Double x = a.get(round).get(key);
                    Double y = b.containsKey(round) ? b.get(round).get(key) : null;
                    if (x != null && y != null && y != 0) {
                        perRound.add(x / y);
                    }
                }
                if (isCount(key) || perRound.isEmpty()) {
                    table.append(" - |");
                } else {
                    double m = Stats.median(perRound);
                    double lo = perRound.stream().mapToDouble(Double::doubleValue).min().orElse(m);
                    double hi = perRound.stream().mapToDouble(Double::doubleValue).max().orElse(m);
                    ObjectNode r = ratios.putObject(key);
                    r.put("median", m);
                    r.put("min", lo);
                    r.put("max", hi);
                    r.put("rounds", perRound.size());
                    r.put("higher_is_better", higherIsBetter(key));
                    table.append(String.format(" %.2f (%.2f–%.2f) |", m, lo, hi));
                }
            }
            table.append('\n');
        }
        ArrayNode raw = combined.putArray("runs");
        runs.forEach(raw::add);
        JsonNode machine = runs.get(0).get("machine");
        String header = String.format("Machine: %s cores (%s), %s, kernel %s, cgroup %s, %s; load at start %s%n"
                        + "Rounds: %d; ratio = %s, median over rounds (min–max); *_per_s: higher is better, else lower.%n",
                machine.get("cores").asText(), machine.get("cpu").asText(), machine.get("mem_total").asText(),
                machine.get("kernel").asText(), machine.get("cgroup").asText(), machine.get("jdk").asText(),
                machine.get("loadavg").asText(), byRuntimeRound.get(rts.get(0)).size(), ratioName);
        System.out.println(header);
        System.out.println(table);
        if (out != null) {
            Files.writeString(out, Images.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(combined));
        }
        if (markdown != null) {
            Files.writeString(markdown, header + "\n" + table);
        }
    }

    private static String fmt(double v) {
        return Math.abs(v) >= 100 ? String.format("%.0f", v) : Math.abs(v) >= 10 ? String.format("%.1f", v)
                : String.format("%.2f", v);
    }
}

package io.berth.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the numbers were measured on: cores, CPU, memory, kernel, cgroup layout, JDK, load. */
final class Machine {
    private Machine() {}

    static ObjectNode describe() {
        ObjectNode m = Images.JSON.createObjectNode();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("cpu", firstValue(Path.of("/proc/cpuinfo"), "model name"));
        m.put("mem_total", firstValue(Path.of("/proc/meminfo"), "MemTotal"));
        m.put("kernel", read("/proc/sys/kernel/osrelease"));
        m.put("os", firstValue(Path.of("/etc/os-release"), "PRETTY_NAME").replace("\"", ""));
        m.put("cgroup", cgroupLayout());
        m.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("loadavg", read("/proc/loadavg"));
        return m;
    }

    static String cgroupLayout() {
        try {
            String mounts = Files.readString(Path.of("/proc/self/mounts"));
            for (String line : mounts.split("\n")) {
                String[] f = line.split(" ");
                if (f.length > 2 && f[1].equals("/sys/fs/cgroup") && f[2].equals("cgroup2")) {
                    return "unified (cgroup v2)";
                }
            }
            return mounts.contains(" /sys/fs/cgroup/unified cgroup2 ") ? "hybrid (cgroup v1 + v2 unified)"
                    : "legacy (cgroup v1)";
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String read(String path) {
        try {
            return Files.readString(Path.of(path)).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String firstValue(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key)) {
                    return line.substring(line.indexOf(line.contains(":") ? ':' : '=') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not there
        }
        return "unknown";
    }
}

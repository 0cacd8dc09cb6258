package io.berth.server.config;

import java.util.Locale;

/**
 * The {@code [shim]} section: how containers are grouped into shim host JVMs, and the memory limit of
 * each host's cgroup.
 *
 * @param group {@code node} (one host for the node, the default), {@code pod} or {@code container}
 * @param memoryLimitBytes the limit of a host's memory cgroup; 0 for none
 */
public record ShimSettings(String group, long memoryLimitBytes) {
    /** Enough for 110 containers in one node host with room to spare; see the README's shim host section. */
    public static final long DEFAULT_MEMORY_LIMIT = 256L * 1024 * 1024;
    public static final ShimSettings DEFAULT = new ShimSettings("node", DEFAULT_MEMORY_LIMIT);

    public ShimSettings {
        group = checkGroup(group);
        checkMemoryLimit(memoryLimitBytes);
    }

    static String checkGroup(String group) {
        String lower = group.toLowerCase(Locale.ROOT);
        if (!lower.equals("node") && !lower.equals("pod") && !lower.equals("container")) {
            throw new ConfigException("shim.group must be node, pod or container, not '" + group + "'");
        }
        return lower;
    }

    static long checkMemoryLimit(long bytes) {
        if (bytes < 0) {
            throw new ConfigException("shim.memory_limit_bytes must be 0 (no limit) or more, not " + bytes);
        }
        return bytes;
    }
}

package io.berth.server.config;

import java.util.Locale;

/**
 * The {@code [shim]} section: how containers are grouped into shim host JVMs, the memory limit of
 * each host's cgroup, and how long a shim lets one OCI runtime command run.
 *
 * @param group {@code node} (one host for the node, the default), {@code pod} or {@code container}
 * @param memoryLimitBytes the limit of a host's memory cgroup; 0 for none
 * @param runtimeTimeoutSeconds past this a runtime command (create, start, kill, delete…) is killed and its RPC
 *     fails saying so
 */
public record ShimSettings(String group, long memoryLimitBytes, int runtimeTimeoutSeconds) {
    /** Enough for 110 containers in one node host with room to spare; see the README's shim host section. */
    public static final long DEFAULT_MEMORY_LIMIT = 256L * 1024 * 1024;
    /**
     * runc takes well under a second; a minute is room for slow hooks, and still ends a hung runtime before
     * kubelet's own two-minute request timeout, so that kubelet hears why instead of only "deadline exceeded".
     */
    public static final int DEFAULT_RUNTIME_TIMEOUT = 60;
    public static final ShimSettings DEFAULT = new ShimSettings("node", DEFAULT_MEMORY_LIMIT, DEFAULT_RUNTIME_TIMEOUT);

    public ShimSettings {
        group = checkGroup(group);
        checkMemoryLimit(memoryLimitBytes);
        checkRuntimeTimeout(runtimeTimeoutSeconds);
    }

    static int checkRuntimeTimeout(int seconds) {
        if (seconds < 1 || seconds > 3600) {
            throw new ConfigException("shim.runtime_timeout_seconds must be 1-3600, not " + seconds);
        }
        return seconds;
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

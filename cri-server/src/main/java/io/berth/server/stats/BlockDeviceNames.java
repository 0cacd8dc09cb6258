package io.berth.server.stats;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code device} label of cAdvisor's per-device I/O series: {@code /dev/<name>} of a block device, from
 * {@code /sys/dev/block/<major>:<minor>/uevent}. A device sysfs does not know (gone, or a test's made-up numbers)
 * is named {@code ""}, which keeps the series' label count. Names are cached; the host, not a container, decides
 * which devices exist, but the cache is bounded all the same.
 */
final class BlockDeviceNames {
    private static final int MAX_CACHED = 1024;

    private final Path sysRoot;
    private final Map<String, String> cache = new ConcurrentHashMap<>();

    /** @param sysRoot {@code /sys}, or a fake tree in tests */
    BlockDeviceNames(Path sysRoot) {
        this.sysRoot = sysRoot;
    }

    String name(long major, long minor) {
        String key = major + ":" + minor;
        String known = cache.get(key);
        if (known != null) {
            return known;
        }
        String name = lookup(key);
        if (cache.size() >= MAX_CACHED) {
            cache.clear();
        }
        cache.put(key, name);
        return name;
    }

    private String lookup(String key) {
        try {
            for (String line : Files.readAllLines(sysRoot.resolve("dev/block").resolve(key).resolve("uevent"),
                    StandardCharsets.UTF_8)) {
                if (line.startsWith("DEVNAME=") && line.length() > "DEVNAME=".length()) {
                    return "/dev/" + line.substring("DEVNAME=".length());
                }
            }
        } catch (IOException unknown) {
            // Not a block device sysfs knows.
        }
        return "";
    }
}

package io.berth.e2e.stats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the kernel says about a process's memory cgroup, read the way a person would check berth's numbers:
 * {@code usage - inactive file} from the cgroup's own files (v1 {@code memory.usage_in_bytes} and
 * {@code total_inactive_file}, or v2 {@code memory.current} and {@code inactive_file}).
 */
final class CgroupFiles {
    private static final Path ROOT = Path.of("/sys/fs/cgroup");

    private CgroupFiles() {}

    static long workingSetOf(int pid) throws IOException {
        boolean unified = Files.exists(ROOT.resolve("cgroup.controllers"));
        String cgroup = Files.readAllLines(Path.of("/proc", Integer.toString(pid), "cgroup")).stream()
                .map(l -> l.split(":", 3))
                .filter(f -> unified ? f[0].equals("0") : f[1].equals("memory"))
                .map(f -> f[2])
                .findFirst().orElseThrow(() -> new IOException("pid " + pid + " has no memory cgroup"));
        Path dir = unified ? ROOT.resolve(cgroup.substring(1)) : ROOT.resolve("memory").resolve(cgroup.substring(1));
        long usage = Long.parseLong(Files.readString(dir.resolve(unified ? "memory.current" : "memory.usage_in_bytes"))
                .trim());
        long inactive = stat(dir, unified ? "inactive_file" : "total_inactive_file").orElse(0L);
        return Math.max(0, usage - inactive);
    }

    private static Optional<Long> stat(Path dir, String key) throws IOException {
        return Files.readAllLines(dir.resolve("memory.stat")).stream()
                .map(l -> l.split(" "))
                .filter(f -> f[0].equals(key))
                .map(f -> Long.parseLong(f[1]))
                .findFirst();
    }
}

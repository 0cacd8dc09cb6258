package io.berth.e2e.stats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a process costs in memory and who its parent is, from /proc. PSS, not RSS: shims share their JDK pages. */
final class ProcessMemory {
    private ProcessMemory() {}

    /** Proportional set size in kB, from {@code /proc/<pid>/smaps_rollup}. */
    static long pssKb(long pid) throws IOException {
        return field(Path.of("/proc", Long.toString(pid), "smaps_rollup"), "Pss:");
    }

    static long rssKb(long pid) throws IOException {
        return field(Path.of("/proc", Long.toString(pid), "status"), "VmRSS:");
    }

    /** The parent pid: field 4 of {@code /proc/<pid>/stat}, after the command name in parentheses. */
    static long parentOf(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(after[1]);
    }

    static String commandLine(long pid) throws IOException {
        return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
    }

    private static long field(Path file, String name) throws IOException {
        return Files.readAllLines(file).stream()
                .filter(l -> l.startsWith(name))
                .map(l -> Long.parseLong(l.substring(name.length()).trim().split("\\s+")[0]))
                .findFirst().orElseThrow(() -> new IOException(file + " has no " + name));
    }
}

package io.berth.e2e.reliability;

import io.berth.e2e.harness.HostCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What one JVM of the runtime (berthd or a shim host) holds: open descriptors ({@code /proc/<pid>/fd}), threads
 * ({@code /proc/<pid>/task}), how many of those threads are pool workers waiting out their keep-alive (they end
 * by themselves, up to a minute after a burst), and the heap in use right after a full GC, which is what is live.
 */
record LoadFigures(long pid, long fds, long threads, long idlePoolThreads, long liveHeapKib) {
    /** Serial GC's {@code GC.heap_info}: "def new generation total 2432K, used 1044K" and the same for tenured. */
    private static final Pattern USED = Pattern.compile("(?:generation|space)\\s+total\\s+\\d+K,\\s+used\\s+(\\d+)K");

    /** Runs a full GC in the process (so that the heap figure is what is live), then reads the figures. */
    static LoadFigures of(long pid) {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        Path commands;
        try {
            // One attach for all three: each jcmd run is a JVM start, seconds on a busy machine.
            commands = Files.writeString(Files.createTempFile("jcmd-", ".txt"),
                    "GC.run\nGC.heap_info\nThread.print\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            String out = HostCommands.run(jcmd, Long.toString(pid), "-f", commands.toString());
            return new LoadFigures(pid, countIn(pid, "fd"), countIn(pid, "task"), idlePoolThreads(out),
                    usedKib(pid, out));
        } finally {
            commands.toFile().delete();
        }
    }

    /** Threads that are not idle pool workers: what must come back to its level once the load is over. */
    long lastingThreads() {
        return threads - idlePoolThreads;
    }

    /** Pool workers parked in a timed wait for a task: they end once their keep-alive runs out. */
    private static long idlePoolThreads(String threadDump) {
        return Arrays.stream(threadDump.split("\\n\\s*\\n"))
                .filter(t -> t.contains("State: TIMED_WAITING") && t.contains("ThreadPoolExecutor.getTask"))
                .count();
    }

    /** Only descriptors and threads, without the attach and GC that {@link #of} costs. */
    static LoadFigures countsOf(long pid) {
        return new LoadFigures(pid, countIn(pid, "fd"), countIn(pid, "task"), -1, -1);
    }

    private static long usedKib(long pid, String heapInfo) {
        Matcher used = USED.matcher(heapInfo);
        long sum = 0;
        boolean any = false;
        while (used.find()) {
            sum += Long.parseLong(used.group(1));
            any = true;
        }
        if (!any) {
            throw new IllegalStateException("no heap figures from jcmd " + pid + " GC.heap_info: " + heapInfo);
        }
        return sum;
    }

    /** CPU seconds the process and its reaped children have used (utime, stime, cutime, cstime). */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = 0;
            for (int i = 11; i <= 14; i++) { // fields 14-17 of proc(5), counted from the state field (3)
                ticks += Long.parseLong(fields[i]);
            }
            return ticks / 100.0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/" + pid + "/stat", e);
        }
    }

    private static long countIn(long pid, String dir) {
        try (Stream<Path> entries = Files.list(Path.of("/proc", Long.toString(pid), dir))) {
            return entries.count();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/" + pid + "/" + dir, e);
        }
    }

    @Override
    public String toString() {
        return "pid " + pid + ": " + fds + " fds, " + threads + " threads"
                + (idlePoolThreads < 0 ? "" : " (" + idlePoolThreads + " of them idle pool workers)")
                + (liveHeapKib < 0 ? "" : String.format(", live heap %.1f MiB", liveHeapKib / 1024.0));
    }
}

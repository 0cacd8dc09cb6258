package io.berth.e2e.streaming;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What /proc tells about one process of this host: memory, open files, children, where it sleeps. */
record HostProcess(long pid) {

    /** Resident memory in KiB ({@code VmRSS}). */
    long rssKib() {
        try {
            return Files.readAllLines(proc("status")).stream().filter(l -> l.startsWith("VmRSS:"))
                    .map(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no VmRSS for pid " + pid));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Open file descriptors: the entries of {@code /proc/<pid>/fd}. */
    long openFds() {
        try (Stream<Path> fds = Files.list(proc("fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The kernel function the process sleeps in, e.g. {@code pipe_write}; empty while it runs. */
    String wchan() {
        try {
            return Files.readString(proc("wchan"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean isAlive() {
        return Files.exists(proc("stat"));
    }

    /** Its children whose command name ({@code comm}) is {@code name}. */
    List<HostProcess> childrenNamed(String name) {
        List<HostProcess> children = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(proc("task"))) {
            for (Path task : tasks.toList()) {
                String ids;
                try {
                    ids = Files.readString(task.resolve("children")).trim();
                } catch (IOException threadGone) {
                    continue;
                }
                for (String id : ids.isEmpty() ? new String[0] : ids.split(" ")) {
                    HostProcess child = new HostProcess(Long.parseLong(id));
                    if (child.comm().equals(name)) {
                        children.add(child);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return children;
    }

    private String comm() {
        try {
            return Files.readString(proc("comm")).trim();
        } catch (IOException gone) {
            return "";
        }
    }

    private Path proc(String entry) {
        return Path.of("/proc", Long.toString(pid), entry);
    }
}

package io.berth.shim;

import io.berth.linux.Epoll;
import io.berth.linux.FileDescriptors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Tells whether the kernel's OOM killer struck inside the container's memory cgroup. cgroup v1: an
 * eventfd registered on {@code memory.oom_control} through {@code cgroup.event_control}, watched by the
 * host's event loop, signals each OOM; v2 (and v1 kernels with the counter): the {@code oom_kill} count in
 * {@code memory.events} / {@code memory.oom_control}, compared with its value at create.
 */
final class OomWatcher {
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

    private final Path counterFile;
    private final long counterAtStart;
    private volatile boolean notified;

    private OomWatcher(Path counterFile) {
        this.counterFile = counterFile;
        this.counterAtStart = readOomKills(counterFile);
    }

    /** Watches the memory cgroup of process {@code pid}; empty when it has none we can find. */
    static Optional<OomWatcher> watch(int pid, EventLoop loop) {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"));
        } catch (IOException e) {
            ShimLog.error("no cgroup for pid " + pid + ", OOM kills will not be seen: " + e.getMessage());
            return Optional.empty();
        }
        for (String line : lines) { // "<id>:<controllers>:<path>"; v1 memory first, it is the one in use
            String[] f = line.split(":", 3);
            if (f.length == 3 && List.of(f[1].split(",")).contains("memory")) {
                Path dir = under(CGROUP_ROOT.resolve("memory"), f[2]);
                OomWatcher watcher = new OomWatcher(dir.resolve("memory.oom_control"));
                watcher.listenV1(dir, loop);
                return Optional.of(watcher);
            }
        }
        for (String line : lines) {
            if (line.startsWith("0::")) {
                Path root = Files.exists(CGROUP_ROOT.resolve("cgroup.controllers")) ? CGROUP_ROOT
                        : CGROUP_ROOT.resolve("unified"); // hybrid hosts mount v2 there
                Path events = under(root, line.substring(3)).resolve("memory.events");
                if (Files.exists(events)) {
                    return Optional.of(new OomWatcher(events));
                }
            }
        }
        ShimLog.info("no memory cgroup for pid " + pid + "; OOM kills will not be seen");
        return Optional.empty();
    }

    /** Whether an OOM kill happened in the cgroup since the watch began. Read before the cgroup is removed. */
    boolean oomKilled() {
        return notified || readOomKills(counterFile) > counterAtStart;
    }

    private static Path under(Path root, String cgroupPath) {
        return root.resolve(cgroupPath.startsWith("/") ? cgroupPath.substring(1) : cgroupPath);
    }

    private void listenV1(Path dir, EventLoop loop) {
        int eventFd = -1;
        int controlFd = -1;
        try {
            eventFd = FileDescriptors.eventfdNonBlocking();
            controlFd = FileDescriptors.openReadOnly(dir.resolve("memory.oom_control").toString());
            Files.writeString(dir.resolve("cgroup.event_control"), eventFd + " " + controlFd);
        } catch (IOException e) {
            ShimLog.error("cannot listen for OOM in " + dir + ", relying on the counter: " + e.getMessage());
            FileDescriptors.closeQuietly(eventFd);
            FileDescriptors.closeQuietly(controlFd);
            return;
        }
        int events = eventFd;
        int control = controlFd;
        long[] token = new long[1];
        token[0] = loop.register(events, Epoll.IN, ready -> {
            try {
                FileDescriptors.drainEventfd(events);
            } catch (IOException e) {
                ShimLog.error("OOM eventfd read failed: " + e.getMessage());
            }
            // The kernel also signals when the cgroup is removed; only a live cgroup means an OOM.
            if (!Files.isDirectory(dir)) {
                loop.unregister(token[0], () -> {
                    FileDescriptors.closeQuietly(events);
                    FileDescriptors.closeQuietly(control);
                });
                return;
            }
            notified = true;
            ShimLog.info("OOM in memory cgroup " + dir);
        });
    }

    /** The {@code oom_kill} line of memory.oom_control (v1) or memory.events (v2); 0 when absent. */
    private static long readOomKills(Path file) {
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                if (line.startsWith("oom_kill ")) {
                    return Long.parseLong(line.substring("oom_kill ".length()).trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            // The cgroup is gone or the kernel predates the counter; the eventfd (v1) still speaks.
        }
        return 0;
    }
}

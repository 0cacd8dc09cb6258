package io.berth.e2e.pods;

import io.berth.e2e.harness.HostCommands;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a reboot does to berth's run state, done by hand on a stopped berthd: every process berth started is gone
 * (shims and containers, killed here by the pids berth's run dirs name), cgroups are gone, nothing is mounted under
 * the state dir (pinned namespaces, /dev/shm, rootfs) and the state dir itself is empty. The root dir stays.
 */
final class RunState {
    private RunState() {
    }

    static void wipeAsARebootWould(Path state, String cgroupParent) throws IOException {
        List<Long> pids = new ArrayList<>();
        for (Path pidFile : filesNamed(state, "container.pid")) {
            long pid = readPid(pidFile);
            // Only a process that really is in one of this class's cgroups: never a pid reused by someone else.
            if (cgroupsOf(pid).contains(cgroupParent + "/")) {
                pids.add(pid);
            }
        }
        for (Path pidFile : filesNamed(state, "host.pid")) {
            long pid = readPid(pidFile);
            if (HostResidue.cmdlineOf(pid).contains("io.berth.shim.ShimMain")) {
                pids.add(pid);
            }
        }
        pids.forEach(HostCommands::kill9);
        await().atMost(Duration.ofSeconds(30)).until(() ->
                pids.stream().noneMatch(pid -> Files.exists(Path.of("/proc", Long.toString(pid)))));
        HostResidue.removeCgroupTree(cgroupParent);
        for (String mountpoint : HostResidue.mountpointsUnder(state).stream()
                .sorted(Comparator.comparingInt(String::length).reversed()).toList()) {
            if (!HostCommands.run("umount", mountpoint).isBlank()) {
                HostCommands.run("umount", "-l", mountpoint);
            }
        }
        if (!HostResidue.mountpointsUnder(state).isEmpty()) {
            throw new IllegalStateException("still mounted: " + HostResidue.mountpointsUnder(state));
        }
        deleteTree(state);
    }

    private static List<Path> filesNamed(Path dir, String name) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> p.getFileName().toString().equals(name) && Files.isRegularFile(p)).toList();
        }
    }

    private static long readPid(Path file) throws IOException {
        return Long.parseLong(Files.readString(file).trim());
    }

    private static String cgroupsOf(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cgroup"));
        } catch (IOException gone) {
            return "";
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot delete " + p, e);
                }
            }
        }
    }
}

package io.berth.e2e.network;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The spare shims a berthd keeps warm, found in /proc by their command line. A spare keeps that command line
 * when it is assigned a container, and then writes its pid into the container's run dir and outlives berthd
 * by design. An unassigned one belongs to the berthd that started it; one whose parent is anything else was
 * left by a berthd that died, and no berthd can ever assign it a container.
 */
final class SpareShims {
    private SpareShims() {}

    /** Pids of unassigned spare shims started for {@code stateDir} whose parent is not {@code berthdPid}. */
    static List<Long> orphanedFrom(Path stateDir, long berthdPid) {
        String marker = "--spare\0" + stateDir.resolve("shims");
        Set<Long> assigned = assignedShims(stateDir);
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().matches("[0-9]+"))
                    .filter(p -> cmdline(p).contains(marker))
                    .map(p -> Long.parseLong(p.getFileName().toString()))
                    .filter(pid -> !assigned.contains(pid))
                    .filter(pid -> ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid)
                            .orElse(-1L) != berthdPid)
                    .toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Pids in the shim.pid files of run dirs under the state dir: containers' and pod inits' shims. */
    private static Set<Long> assignedShims(Path stateDir) {
        try (Stream<Path> files = Files.walk(stateDir)) {
            Set<Long> pids = new HashSet<>();
            for (Path f : files.filter(p -> p.getFileName().toString().equals("shim.pid")).toList()) {
                try {
                    pids.add(Long.parseLong(Files.readString(f).trim()));
                } catch (IOException | NumberFormatException gone) {
                    // Removed with its container, or being written: not a spare either way.
                }
            }
            return pids;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String cmdline(Path proc) {
        try {
            return new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
        } catch (IOException gone) {
            return "";
        }
    }
}

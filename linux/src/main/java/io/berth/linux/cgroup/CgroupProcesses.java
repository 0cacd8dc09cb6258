package io.berth.linux.cgroup;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Counts a cgroup's processes and their open descriptors, as cAdvisor does: pids from {@code cgroup.procs}, then
 * the entries of each {@code /proc/<pid>/fd}, sockets being those that link to {@code socket:[inode]}. The
 * container decides how many processes and descriptors there are, so the walk is capped: beyond
 * {@link #MAX_PROCESSES} pids nothing is counted, beyond {@link #MAX_WALKED_PROCESSES} pids or
 * {@link #MAX_DESCRIPTORS} descriptors in all the descriptor counts are left out. A stats call stays cheap,
 * and a number is never a silent undercount.
 */
final class CgroupProcesses {
    static final int MAX_PROCESSES = 65_536;
    static final int MAX_WALKED_PROCESSES = 1024;
    static final int MAX_DESCRIPTORS = 65_536;

    private CgroupProcesses() {}

    static ProcessCounts count(Path procsFile, Path procRoot) throws IOException {
        List<Integer> pids = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(procsFile, StandardCharsets.US_ASCII)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                if (pids.size() == MAX_PROCESSES) {
                    return ProcessCounts.none();
                }
                pids.add(Integer.parseInt(line.trim()));
            }
        } catch (NoSuchFileException gone) {
            return ProcessCounts.none();
        }
        OptionalLong processes = OptionalLong.of(pids.size());
        if (pids.size() > MAX_WALKED_PROCESSES) {
            return new ProcessCounts(processes, OptionalLong.empty(), OptionalLong.empty());
        }
        long fds = 0;
        long sockets = 0;
        for (int pid : pids) {
            Path dir = procRoot.resolve(Integer.toString(pid)).resolve("fd");
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path fd : entries) {
                    if (++fds > MAX_DESCRIPTORS) {
                        return new ProcessCounts(processes, OptionalLong.empty(), OptionalLong.empty());
                    }
                    if (isSocket(fd)) {
                        sockets++;
                    }
                }
            } catch (NoSuchFileException exited) {
                // Exited since cgroup.procs was read: it holds nothing now, which is what is counted.
            }
        }
        return new ProcessCounts(processes, OptionalLong.of(fds), OptionalLong.of(sockets));
    }

    private static boolean isSocket(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString().startsWith("socket:");
        } catch (IOException closed) {
            // Closed between the listing and the readlink: counted as a descriptor, not as a socket.
            return false;
        }
    }
}

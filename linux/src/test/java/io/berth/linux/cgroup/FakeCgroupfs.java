package io.berth.linux.cgroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A cgroup host in a temp dir: {@code proc/self/mountinfo}, {@code proc/<pid>/cgroup} and cgroup directories
 * holding files in the kernel's formats, so the readers run against the same text a real host gives.
 */
final class FakeCgroupfs {
    final Path root;
    final Path proc;

    FakeCgroupfs(Path root) {
        this.root = root;
        this.proc = root.resolve("proc");
    }

    Path mountPoint(String name) {
        return root.resolve("sys/fs/cgroup").resolve(name);
    }

    FakeCgroupfs mountinfo(String... lines) {
        return write(proc.resolve("self/mountinfo"), String.join("\n", lines) + "\n");
    }

    /** A mountinfo line as the kernel writes it for a cgroup2 or cgroup mount at {@code point}. */
    static String mountLine(int id, Path point, String fsType, String superOptions) {
        return id + " 24 0:" + id + " / " + point + " rw,nosuid,nodev,noexec,relatime shared:" + id + " - " + fsType
                + " " + fsType + " " + superOptions;
    }

    FakeCgroupfs processCgroup(int pid, String... lines) {
        return write(proc.resolve(pid + "/cgroup"), String.join("\n", lines) + "\n");
    }

    FakeCgroupfs file(Path dir, String name, String... lines) {
        return write(dir.resolve(name), String.join("\n", lines) + "\n");
    }

    /** {@code /proc/<pid>/fd/<fd>}, a symbolic link to {@code target} as the kernel shows an open descriptor. */
    FakeCgroupfs fd(int pid, int fd, String target) {
        try {
            Path link = proc.resolve(pid + "/fd/" + fd);
            Files.createDirectories(link.getParent());
            Files.createSymbolicLink(link, Path.of(target));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private FakeCgroupfs write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

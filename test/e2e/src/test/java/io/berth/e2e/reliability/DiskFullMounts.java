package io.berth.e2e.reliability;

import io.berth.e2e.harness.HostCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Small tmpfs mounts standing in for a node's disks: berth's root (content store, snapshots, records), its state
 * dir and the pods' log dir, each of its own size, below one dir of the test. A filler file takes a disk to
 * nearly full, as other users of a real disk would, and removing it frees the space again.
 */
final class DiskFullMounts implements AutoCloseable {
    static final String ROOT = "root";
    static final String STATE = "state";
    static final String LOGS = "logs";
    private static final String FILLER = ".filler";

    private final Path base;

    private DiskFullMounts(Path base) {
        this.base = base;
    }

    /** Mounts {@code root}, {@code state} and {@code logs} tmpfs of the given sizes (in MiB) below {@code base}. */
    static DiskFullMounts mount(Path base, int rootMib, int stateMib, int logsMib) throws IOException {
        DiskFullMounts mounts = new DiskFullMounts(base);
        try {
            mounts.mountTmpfs(ROOT, rootMib);
            mounts.mountTmpfs(STATE, stateMib);
            mounts.mountTmpfs(LOGS, logsMib);
        } catch (IOException | RuntimeException e) {
            mounts.close();
            throw e;
        }
        return mounts;
    }

    Path base() {
        return base;
    }

    Path path(String disk) {
        return base.resolve(disk);
    }

    /** Bytes an unprivileged writer could still write on the disk. */
    long free(String disk) throws IOException {
        return Files.getFileStore(path(disk)).getUsableSpace();
    }

    /** Fills the disk with a filler file until only {@code leaveBytes} are free. */
    void fill(String disk, long leaveBytes) throws IOException {
        long size = free(disk) - leaveBytes;
        if (size <= 0) {
            return;
        }
        String out = HostCommands.run("fallocate", "-l", Long.toString(size), path(disk).resolve(FILLER).toString());
        if (!out.isBlank()) {
            throw new IllegalStateException("cannot fill " + path(disk) + ": " + out);
        }
    }

    /** Removes the filler: the space other users took is free again. */
    void freeUp(String disk) throws IOException {
        Files.deleteIfExists(path(disk).resolve(FILLER));
    }

    /** The tmpfs mounts of this test still mounted (none once closed). */
    List<String> mounted() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .map(line -> line.split(" ")[4])
                .filter(mountpoint -> mountpoint.startsWith(base.toString() + "/"))
                .toList();
    }

    private void mountTmpfs(String disk, int mib) throws IOException {
        Path dir = Files.createDirectories(path(disk));
        String out = HostCommands.run("mount", "-t", "tmpfs", "-o", "size=" + mib + "m,mode=0700",
                "berth-e2e-" + disk, dir.toString());
        if (!out.isBlank()) {
            throw new IllegalStateException("cannot mount a tmpfs at " + dir + ": " + out);
        }
    }

    /** Unmounts whatever is still mounted below the base, deepest first (a container rootfs left by a failure). */
    @Override
    public void close() throws IOException {
        List<String> left = mounted().stream().sorted((a, b) -> b.length() - a.length()).toList();
        for (String mountpoint : left) {
            String out = HostCommands.run("umount", mountpoint);
            if (!out.isBlank()) {
                HostCommands.run("umount", "-l", mountpoint);
            }
        }
        if (!mounted().isEmpty()) {
            throw new UncheckedIOException(new IOException("still mounted below " + base + ": " + mounted()));
        }
    }
}

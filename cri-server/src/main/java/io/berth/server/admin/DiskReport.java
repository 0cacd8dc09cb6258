package io.berth.server.admin;

import io.berth.admin.v1.BerthUsage;
import io.berth.admin.v1.Disk;
import io.berth.linux.cgroup.Statvfs;
import io.berth.server.image.FilesystemUsageMeter;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The filesystems under berth's root and state dirs, and what berth uses of the root as ImageFsInfo
 * measures it (the same meter, so berthctl and kubelet read one figure). The state dir gets no usage walk:
 * it holds the mounted roots of running containers, whose files are not berth's.
 */
public final class DiskReport {
    private final Path root;
    private final Path state;
    private final FilesystemUsageMeter rootUsage;

    public DiskReport(Path root, Path state, FilesystemUsageMeter rootUsage) {
        this.root = root;
        this.state = state;
        this.rootUsage = rootUsage;
    }

    public List<Disk> measure() {
        Disk.Builder rootDisk = filesystem("root", root);
        try {
            FilesystemUsageMeter.Measurement m = rootUsage.measure();
            rootDisk.setBerthUsage(BerthUsage.newBuilder()
                    .setPath(m.root().toString())
                    .setUsedBytes(m.usedBytes())
                    .setInodesUsed(m.inodesUsed())
                    .setMeasuredAtUnixNanos(m.at().getEpochSecond() * 1_000_000_000L + m.at().getNano()));
        } catch (IOException e) {
            rootDisk.setError(join(rootDisk.getError(), "berth's usage could not be measured: " + e.getMessage()));
        }
        return List.of(rootDisk.build(), filesystem("state", state).build());
    }

    /** Bytes from NIO (free is what berthd may still use), inodes from statvfs, which NIO does not report. */
    static Disk.Builder filesystem(String role, Path path) {
        Disk.Builder disk = Disk.newBuilder().setRole(role).setPath(path.toString());
        try {
            FileStore store = Files.getFileStore(path);
            disk.setTotalBytes(store.getTotalSpace()).setFreeBytes(store.getUsableSpace());
        } catch (IOException e) {
            return disk.setError("cannot read the filesystem of " + path + ": " + e.getMessage());
        }
        Optional<Statvfs.Space> space = Statvfs.of(path);
        if (space.isPresent()) {
            disk.setTotalInodes(space.get().inodes()).setFreeInodes(space.get().inodesFree());
        } else {
            disk.setError("statvfs(" + path + ") gave no inode counts");
        }
        return disk;
    }

    private static String join(String before, String more) {
        return before.isEmpty() ? more : before + "; " + more;
    }
}

package io.berth.linux.cgroup;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Size and inodes of the filesystem holding a path, from statvfs(3): what cAdvisor's {@code container_fs_limit_bytes},
 * {@code container_fs_inodes_total} and {@code container_fs_inodes_free} report for a container's writable layer.
 * NIO's FileStore gives bytes but no inodes, hence the libc call. It sits beside the cgroup readers because it
 * serves the same container stats.
 */
public final class Statvfs {
    /**
     * struct statvfs on LP64 glibc (x86_64, aarch64, ...): f_bsize, f_frsize, f_blocks, f_bfree, f_bavail, f_files,
     * f_ffree, f_favail, f_fsid, f_flag, f_namemax as 8-byte fields, then six ints of padding.
     */
    private static final int SIZE = 112;
    private static final int F_FRSIZE = 8;
    private static final int F_BLOCKS = 16;
    private static final int F_FILES = 40;
    private static final int F_FFREE = 48;

    /** @param bytes capacity ({@code f_blocks * f_frsize}); @param inodes total inodes; @param inodesFree free ones */
    public record Space(long bytes, long inodes, long inodesFree) {}

    private static final class StatvfsCalls {
        static {
            Native.register(StatvfsCalls.class, "c");
        }

        static native int statvfs(String path, Pointer buf) throws LastErrorException;
    }

    private Statvfs() {}

    /** The filesystem of {@code path}; empty when it cannot be asked (gone, or not an LP64 glibc). */
    public static Optional<Space> of(Path path) {
        if (Native.LONG_SIZE != 8) {
            return Optional.empty();
        }
        try (Memory buf = new Memory(SIZE)) {
            StatvfsCalls.statvfs(path.toString(), buf);
            return Optional.of(new Space(buf.getLong(F_BLOCKS) * buf.getLong(F_FRSIZE), buf.getLong(F_FILES),
                    buf.getLong(F_FFREE)));
        } catch (LastErrorException | LinkageError e) {
            return Optional.empty();
        }
    }
}

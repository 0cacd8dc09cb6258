package io.berth.linux;

import com.sun.jna.LastErrorException;
import java.nio.file.Path;

/** mount(2) and umount2(2) with the flag constants berth uses; failures are {@link ErrnoException}s. */
public final class Mounts {
    public static final long MS_RDONLY = 1L;
    public static final long MS_NOSUID = 2L;
    public static final long MS_NODEV = 4L;
    public static final long MS_NOEXEC = 8L;
    public static final long MS_REMOUNT = 32L;
    public static final long MS_BIND = 4096L;
    public static final long MS_REC = 16384L;
    public static final long MS_PRIVATE = 1L << 18;
    public static final long MS_SLAVE = 1L << 19;

    public static final int MNT_FORCE = 1;
    public static final int MNT_DETACH = 2;
    public static final int UMOUNT_NOFOLLOW = 8;

    private Mounts() {}

    /**
     * Mounts {@code source} of type {@code fstype} on {@code target}. {@code data} is the comma-separated
     * option string the filesystem parses (for overlay, {@code lowerdir=...,upperdir=...}); it may be null.
     */
    public static void mount(String source, Path target, String fstype, long flags, String data)
            throws ErrnoException {
        try {
            MountBindings.mount(NativePaths.cString(source), NativePaths.of(target), NativePaths.cString(fstype),
                    flags, NativePaths.cString(data));
        } catch (LastErrorException e) {
            throw new ErrnoException("mount(" + source + ", " + target + ", " + fstype + ", 0x"
                    + Long.toHexString(flags) + ", " + abbreviate(data) + ")", e.getErrorCode());
        }
    }

    /** Unmounts {@code target}; {@link #UMOUNT_NOFOLLOW} is always added so a symlink is never crossed. */
    public static void unmount(Path target, int flags) throws ErrnoException {
        try {
            MountBindings.umount2(NativePaths.of(target), flags | UMOUNT_NOFOLLOW);
        } catch (LastErrorException e) {
            throw new ErrnoException("umount2(" + target + ", " + flags + ")", e.getErrorCode());
        }
    }

    private static String abbreviate(String data) {
        if (data == null) {
            return "null";
        }
        // An overlay option string can run to a page; the head and the length are what a person needs.
        return data.length() <= 300 ? data : data.substring(0, 300) + "...(" + data.length() + " chars)";
    }
}

package io.berth.linux;

import com.sun.jna.LastErrorException;
import java.nio.file.Path;
import java.util.List;

/** mount(2) and umount2(2) with the flag constants berth uses; failures are {@link ErrnoException}s. */
public final class Mounts {
    public static final long MS_RDONLY = 1L;
    public static final long MS_NOSUID = 2L;
    public static final long MS_NODEV = 4L;
    public static final long MS_NOEXEC = 8L;
    public static final long MS_SYNCHRONOUS = 16L;
    public static final long MS_REMOUNT = 32L;
    public static final long MS_MANDLOCK = 64L;
    public static final long MS_DIRSYNC = 128L;
    public static final long MS_NOSYMFOLLOW = 256L;
    public static final long MS_NOATIME = 1024L;
    public static final long MS_NODIRATIME = 2048L;
    public static final long MS_BIND = 4096L;
    public static final long MS_REC = 16384L;
    public static final long MS_SILENT = 32768L;
    public static final long MS_UNBINDABLE = 1L << 17;
    public static final long MS_PRIVATE = 1L << 18;
    public static final long MS_SLAVE = 1L << 19;
    public static final long MS_SHARED = 1L << 20;
    public static final long MS_RELATIME = 1L << 21;
    public static final long MS_I_VERSION = 1L << 23;
    public static final long MS_STRICTATIME = 1L << 24;
    public static final long MS_LAZYTIME = 1L << 25;

    public static final int MNT_FORCE = 1;
    public static final int MNT_DETACH = 2;
    public static final int UMOUNT_NOFOLLOW = 8;

    /** mount(2) copies at most one page of data, NUL included; a longer string would be cut short silently. */
    public static final int MAX_DATA_BYTES = 4095;

    private Mounts() {}

    /**
     * Mounts {@code source} of type {@code fstype} on {@code target}. {@code data} is the comma-separated
     * option string the filesystem parses (for overlay, {@code lowerdir=...,upperdir=...}); it may be null.
     */
    public static void mount(String source, Path target, String fstype, long flags, String data)
            throws ErrnoException {
        byte[] dataBytes = NativePaths.cString(data);
        if (dataBytes != null && dataBytes.length - 1 > MAX_DATA_BYTES) {
            throw new IllegalArgumentException("mount of " + source + " on " + target + ": the option data is "
                    + (dataBytes.length - 1) + " bytes; mount(2) reads at most " + MAX_DATA_BYTES);
        }
        try {
            MountCalls.mount(NativePaths.cString(source), NativePaths.of(target), NativePaths.cString(fstype),
                    flags, dataBytes);
        } catch (LastErrorException e) {
            throw new ErrnoException("mount(" + source + ", " + target + ", " + fstype + ", 0x"
                    + Long.toHexString(flags) + ", " + abbreviate(data) + ")", e.getErrorCode());
        }
    }

    /**
     * Mounts a mount given as containerd's {@code mount.Mount} gives it: a type, a source and fstab-style options
     * ({@link MountOptions}). Type {@code bind} or a {@code bind}/{@code rbind} option makes a bind mount; as the
     * kernel ignores every other flag when it creates one, they are applied by a remount, as runc and mount(8)
     * do. Propagation changes follow, one call each. On failure nothing stays mounted on {@code target}.
     */
    public static void mount(String type, String source, List<String> options, Path target) throws ErrnoException {
        MountOptions parsed = MountOptions.parse(options);
        long flags = parsed.flags() | ("bind".equals(type) ? MS_BIND : 0);
        if ((flags & MS_BIND) != 0) {
            mount(source, target, null, flags & (MS_BIND | MS_REC), null);
        } else {
            mount(source, target, type, flags, parsed.data());
        }
        try {
            long rest = flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
            if ((flags & MS_BIND) != 0 && rest != 0) {
                mount(null, target, null, MS_BIND | MS_REMOUNT | rest, null);
            }
            for (long change : parsed.propagation()) {
                mount(null, target, null, change, null);
            }
        } catch (ErrnoException e) {
            try {
                unmount(target, MNT_DETACH);
            } catch (ErrnoException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Unmounts {@code target}; {@link #UMOUNT_NOFOLLOW} is always added so a symlink is never crossed. */
    public static void unmount(Path target, int flags) throws ErrnoException {
        try {
            MountCalls.umount2(NativePaths.of(target), flags | UMOUNT_NOFOLLOW);
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

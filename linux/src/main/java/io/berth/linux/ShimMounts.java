package io.berth.linux;

import com.sun.jna.LastErrorException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Mounts a snapshotter's mount (type, source, options in fstab form) onto a container's rootfs, and
 * detaches it again. Option words that are mount flags become flags; the rest is the fs data string.
 */
public final class ShimMounts {
    private ShimMounts() {}

    static final long MS_RDONLY = 1;
    static final long MS_REMOUNT = 32;
    static final long MS_BIND = 4096;
    static final long MS_REC = 16384;
    static final int MNT_DETACH = 2;

    private static final Map<String, Long> SET_FLAGS = Map.ofEntries(
            Map.entry("ro", MS_RDONLY), Map.entry("nosuid", 2L), Map.entry("nodev", 4L),
            Map.entry("noexec", 8L), Map.entry("sync", 16L), Map.entry("remount", MS_REMOUNT),
            Map.entry("noatime", 1024L), Map.entry("nodiratime", 2048L), Map.entry("bind", MS_BIND),
            Map.entry("rbind", MS_BIND | MS_REC), Map.entry("relatime", 1L << 21),
            Map.entry("strictatime", 1L << 24));
    /** Words that only state a default; accepted and ignored. */
    private static final List<String> DEFAULTS = List.of("rw", "suid", "dev", "exec", "async", "defaults");

    public static void mount(String type, String source, List<String> options, String target) throws ErrnoException {
        long flags = 0;
        List<String> data = new ArrayList<>();
        for (String option : options) {
            Long flag = SET_FLAGS.get(option);
            if (flag != null) {
                flags |= flag;
            } else if (!DEFAULTS.contains(option)) {
                data.add(option);
            }
        }
        if ("bind".equals(type)) {
            flags |= MS_BIND;
        }
        String call = "mount(" + type + ", " + source + ", " + target + ", " + String.join(",", options) + ")";
        try {
            ShimMountCalls.mount(source, target, type, flags, data.isEmpty() ? null : String.join(",", data));
            // A bind mount ignores MS_RDONLY on the first call; read-only takes a remount.
            if ((flags & MS_BIND) != 0 && (flags & MS_RDONLY) != 0) {
                ShimMountCalls.mount(null, target, null, MS_REMOUNT | MS_BIND | MS_RDONLY, null);
            }
        } catch (LastErrorException e) {
            throw new ErrnoException(call, e.getErrorCode());
        }
    }

    /** Lazily unmounts {@code target} and everything below it (MNT_DETACH). */
    public static void detach(String target) throws ErrnoException {
        try {
            ShimMountCalls.umount2(target, MNT_DETACH);
        } catch (LastErrorException e) {
            throw new ErrnoException("umount2(" + target + ", MNT_DETACH)", e.getErrorCode());
        }
    }
}

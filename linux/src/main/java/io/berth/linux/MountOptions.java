package io.berth.linux;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Mount options in fstab form ({@code ro,nosuid,lowerdir=…}) split the way mount(8) (util-linux's
 * fs-independent option map) and runc's {@code parseMountOptions} split them: a word that names a mount flag
 * sets or clears that flag, in order, so a later {@code rw} undoes an earlier {@code ro}; a propagation word
 * ({@code private}, {@code rslave}, …) is kept apart, because the kernel takes a propagation change only in a
 * call of its own; every other word is the filesystem's, passed on as data.
 * <p>
 * Where the two differ, util-linux is followed: {@code defaults} only states the defaults and reaches neither
 * flags nor data, and {@code acl}/{@code noacl} are data for the filesystems that know them (runc makes them
 * the MS_POSIXACL flag). Empty words, as in {@code a,,b}, are dropped.
 *
 * @param flags       the MS_* flags for mount(2), {@link Mounts#MS_BIND} and {@link Mounts#MS_REC} included
 * @param propagation the propagation changes to apply after the mount, in the order given
 * @param data        the filesystem's options joined with commas, or null when there are none
 */
public record MountOptions(long flags, List<Long> propagation, String data) {
    /** Each flag word: the flag it names, and whether it sets it or clears it. */
    private record FlagWord(long flag, boolean clears) {}

    private static final Map<String, FlagWord> FLAG_WORDS = Map.ofEntries(
            set("ro", Mounts.MS_RDONLY), clear("rw", Mounts.MS_RDONLY),
            set("noexec", Mounts.MS_NOEXEC), clear("exec", Mounts.MS_NOEXEC),
            set("nosuid", Mounts.MS_NOSUID), clear("suid", Mounts.MS_NOSUID),
            set("nodev", Mounts.MS_NODEV), clear("dev", Mounts.MS_NODEV),
            set("sync", Mounts.MS_SYNCHRONOUS), clear("async", Mounts.MS_SYNCHRONOUS),
            set("dirsync", Mounts.MS_DIRSYNC),
            set("remount", Mounts.MS_REMOUNT),
            set("bind", Mounts.MS_BIND), set("rbind", Mounts.MS_BIND | Mounts.MS_REC),
            set("silent", Mounts.MS_SILENT), clear("loud", Mounts.MS_SILENT),
            set("mand", Mounts.MS_MANDLOCK), clear("nomand", Mounts.MS_MANDLOCK),
            set("noatime", Mounts.MS_NOATIME), clear("atime", Mounts.MS_NOATIME),
            set("iversion", Mounts.MS_I_VERSION), clear("noiversion", Mounts.MS_I_VERSION),
            set("nodiratime", Mounts.MS_NODIRATIME), clear("diratime", Mounts.MS_NODIRATIME),
            set("relatime", Mounts.MS_RELATIME), clear("norelatime", Mounts.MS_RELATIME),
            set("strictatime", Mounts.MS_STRICTATIME), clear("nostrictatime", Mounts.MS_STRICTATIME),
            set("lazytime", Mounts.MS_LAZYTIME), clear("nolazytime", Mounts.MS_LAZYTIME),
            set("nosymfollow", Mounts.MS_NOSYMFOLLOW), clear("symfollow", Mounts.MS_NOSYMFOLLOW));

    private static final Map<String, Long> PROPAGATION_WORDS = Map.of(
            "private", Mounts.MS_PRIVATE, "rprivate", Mounts.MS_PRIVATE | Mounts.MS_REC,
            "slave", Mounts.MS_SLAVE, "rslave", Mounts.MS_SLAVE | Mounts.MS_REC,
            "shared", Mounts.MS_SHARED, "rshared", Mounts.MS_SHARED | Mounts.MS_REC,
            "unbindable", Mounts.MS_UNBINDABLE, "runbindable", Mounts.MS_UNBINDABLE | Mounts.MS_REC);

    public MountOptions {
        propagation = List.copyOf(propagation);
    }

    public static MountOptions parse(List<String> options) {
        long flags = 0;
        List<Long> propagation = new ArrayList<>();
        List<String> data = new ArrayList<>();
        for (String option : options) {
            FlagWord word = FLAG_WORDS.get(option);
            Long change = PROPAGATION_WORDS.get(option);
            if (word != null) {
                flags = word.clears() ? flags & ~word.flag() : flags | word.flag();
            } else if (change != null) {
                propagation.add(change);
            } else if (!option.isEmpty() && !option.equals("defaults")) {
                data.add(option);
            }
        }
        return new MountOptions(flags, propagation, data.isEmpty() ? null : String.join(",", data));
    }

    public boolean bind() {
        return (flags & Mounts.MS_BIND) != 0;
    }

    private static Map.Entry<String, FlagWord> set(String word, long flag) {
        return Map.entry(word, new FlagWord(flag, false));
    }

    private static Map.Entry<String, FlagWord> clear(String word, long flag) {
        return Map.entry(word, new FlagWord(flag, true));
    }
}

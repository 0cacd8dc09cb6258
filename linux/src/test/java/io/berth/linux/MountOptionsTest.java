package io.berth.linux;

import static io.berth.linux.Mounts.MS_BIND;
import static io.berth.linux.Mounts.MS_DIRSYNC;
import static io.berth.linux.Mounts.MS_I_VERSION;
import static io.berth.linux.Mounts.MS_LAZYTIME;
import static io.berth.linux.Mounts.MS_MANDLOCK;
import static io.berth.linux.Mounts.MS_NOATIME;
import static io.berth.linux.Mounts.MS_NODEV;
import static io.berth.linux.Mounts.MS_NODIRATIME;
import static io.berth.linux.Mounts.MS_NOEXEC;
import static io.berth.linux.Mounts.MS_NOSUID;
import static io.berth.linux.Mounts.MS_NOSYMFOLLOW;
import static io.berth.linux.Mounts.MS_PRIVATE;
import static io.berth.linux.Mounts.MS_RDONLY;
import static io.berth.linux.Mounts.MS_REC;
import static io.berth.linux.Mounts.MS_RELATIME;
import static io.berth.linux.Mounts.MS_REMOUNT;
import static io.berth.linux.Mounts.MS_SHARED;
import static io.berth.linux.Mounts.MS_SILENT;
import static io.berth.linux.Mounts.MS_SLAVE;
import static io.berth.linux.Mounts.MS_STRICTATIME;
import static io.berth.linux.Mounts.MS_SYNCHRONOUS;
import static io.berth.linux.Mounts.MS_UNBINDABLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MountOptionsTest {
    /** Every flag word of mount(8), alone: the flag it sets (its "no" partner is checked below). */
    static Stream<Arguments> flagWords() {
        return Stream.of(
                arguments("ro", MS_RDONLY), arguments("nosuid", MS_NOSUID), arguments("nodev", MS_NODEV),
                arguments("noexec", MS_NOEXEC), arguments("sync", MS_SYNCHRONOUS), arguments("dirsync", MS_DIRSYNC),
                arguments("remount", MS_REMOUNT), arguments("bind", MS_BIND), arguments("rbind", MS_BIND | MS_REC),
                arguments("silent", MS_SILENT), arguments("mand", MS_MANDLOCK), arguments("noatime", MS_NOATIME),
                arguments("iversion", MS_I_VERSION), arguments("nodiratime", MS_NODIRATIME),
                arguments("relatime", MS_RELATIME), arguments("strictatime", MS_STRICTATIME),
                arguments("lazytime", MS_LAZYTIME), arguments("nosymfollow", MS_NOSYMFOLLOW));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("flagWords")
    void aFlagWordIsAFlagNotData(String word, long flag) {
        assertThat(MountOptions.parse(List.of(word))).isEqualTo(new MountOptions(flag, List.of(), null));
    }

    /** Each word that clears a flag, after the word that set it. */
    static Stream<Arguments> clearingWords() {
        return Stream.of(
                arguments("ro", "rw"), arguments("nosuid", "suid"), arguments("nodev", "dev"),
                arguments("noexec", "exec"), arguments("sync", "async"), arguments("silent", "loud"),
                arguments("mand", "nomand"), arguments("noatime", "atime"), arguments("iversion", "noiversion"),
                arguments("nodiratime", "diratime"), arguments("relatime", "norelatime"),
                arguments("strictatime", "nostrictatime"), arguments("lazytime", "nolazytime"),
                arguments("nosymfollow", "symfollow"));
    }

    @ParameterizedTest(name = "{0},{1}")
    @MethodSource("clearingWords")
    void theLaterWordWins(String sets, String clears) {
        assertThat(MountOptions.parse(List.of(sets, clears))).isEqualTo(new MountOptions(0, List.of(), null));
        assertThat(MountOptions.parse(List.of(clears, sets)).flags()).isNotZero();
    }

    @Test
    void propagationWordsAreKeptApartInOrder() {
        MountOptions parsed = MountOptions.parse(List.of("rbind", "rprivate", "ro", "slave", "rshared", "unbindable",
                "private", "rslave", "shared", "runbindable"));
        assertThat(parsed.flags()).isEqualTo(MS_BIND | MS_REC | MS_RDONLY);
        assertThat(parsed.propagation()).containsExactly(MS_PRIVATE | MS_REC, MS_SLAVE, MS_SHARED | MS_REC,
                MS_UNBINDABLE, MS_PRIVATE, MS_SLAVE | MS_REC, MS_SHARED, MS_UNBINDABLE | MS_REC);
        assertThat(parsed.data()).isNull();
        assertThat(parsed.bind()).isTrue();
    }

    /** options, flags, data */
    static Stream<Arguments> filesystemData() {
        return Stream.of(
                arguments(List.of("lowerdir=/a:/b", "upperdir=/u", "workdir=/w", "index=off"), 0L,
                        "lowerdir=/a:/b,upperdir=/u,workdir=/w,index=off"),
                arguments(List.of("nosuid", "mode=1777", "nodev", "size=65536k"), MS_NOSUID | MS_NODEV,
                        "mode=1777,size=65536k"),
                // util-linux: acl is the filesystem's to parse; runc alone makes it MS_POSIXACL.
                arguments(List.of("acl", "noacl", "user_xattr"), 0L, "acl,noacl,user_xattr"),
                arguments(List.of("ro", "some-option-no-kernel-knows"), MS_RDONLY, "some-option-no-kernel-knows"),
                // Only states the defaults: neither a flag nor data, or overlay would refuse the mount.
                arguments(List.of("defaults", "rw"), 0L, null),
                arguments(List.of("", "x=1", ""), 0L, "x=1"),
                arguments(List.of(), 0L, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("filesystemData")
    void everyOtherWordIsTheFilesystemsData(List<String> options, long flags, String data) {
        assertThat(MountOptions.parse(options)).isEqualTo(new MountOptions(flags, List.of(), data));
    }
}

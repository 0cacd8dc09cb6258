package io.berth.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MountTableTest {
    private static final String LINE = "36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime master:1 - ext3 /dev/root rw";

    @Test
    void theMountPointIsTheFifthFieldUnescaped() {
        assertThat(MountTable.field(LINE, 4)).isEqualTo("/mnt/with\\040space");
        assertThat(MountTable.unescape(MountTable.field(LINE, 4))).isEqualTo("/mnt/with space");
        assertThat(MountTable.field("36 35 98:0 /", 4)).isNull();
        assertThat(MountTable.field(LINE, 0)).isEqualTo("36");
    }

    @Test
    void mountsUnderADirAreItAndWhatIsBelowItDeepestFirst() {
        // /proc is mounted on every Linux host, and /proc/sys/fs/binfmt_misc usually below it.
        List<Path> under = MountTable.mountPointsUnder(Path.of("/proc"));

        assertThat(under).contains(Path.of("/proc")).allMatch(p -> p.startsWith("/proc"));
        assertThat(under.get(under.size() - 1)).isEqualTo(Path.of("/proc"));
        assertThat(MountTable.mountPointsUnder(Path.of("/pro"))).isEmpty();
        assertThat(MountTable.mountPoints()).contains(Path.of("/"), Path.of("/proc"));
        assertThat(MountTable.isMountPoint(Path.of("/proc/../proc"))).isTrue();
        assertThat(MountTable.isMountPoint(Path.of("/proc/self"))).isFalse();
    }
}

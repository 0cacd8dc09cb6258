package io.berth.linux.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CgroupMountsTest {
    /** Debian 12 / systemd 252 default. */
    static final String UNIFIED = String.join("\n",
            "22 28 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw",
            "25 22 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
                    + "rw,nsdelegate,memory_recursiveprot",
            "28 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw,errors=remount-ro", "");

    /** Ubuntu 20.04 style hybrid: cpu and cpuacct co-mounted, systemd's named hierarchy, cgroup2 at unified. */
    static final String HYBRID = String.join("\n",
            "24 23 0:21 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755",
            "25 24 0:22 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 "
                    + "rw,nsdelegate",
            "26 24 0:23 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup "
                    + "rw,xattr,name=systemd",
            "30 24 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup "
                    + "rw,cpu,cpuacct",
            "31 24 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,memory",
            "32 24 0:29 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,pids",
            "33 24 0:30 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,blkio",
            "34 24 0:31 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:19 - cgroup cgroup "
                    + "rw,net_cls,net_prio", "");

    /** CentOS 7: v1 only, no cgroup2 anywhere. */
    static final String LEGACY = String.join("\n",
            "25 18 0:21 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755",
            "26 25 0:22 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup "
                    + "rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd",
            "29 25 0:25 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup "
                    + "rw,cpuacct,cpu",
            "30 25 0:26 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,memory",
            "");

    @Test
    void aCgroup2MountAloneIsUnified() {
        CgroupMounts m = CgroupMounts.parse(UNIFIED);
        assertThat(m.layout()).isEqualTo(CgroupLayout.UNIFIED);
        assertThat(m.unified()).contains(new CgroupMount(Path.of("/sys/fs/cgroup"), "/"));
        assertThat(m.v1()).isEmpty();
    }

    @Test
    void v1ControllersBesideACgroup2MountAreHybrid() {
        CgroupMounts m = CgroupMounts.parse(HYBRID);
        assertThat(m.layout()).isEqualTo(CgroupLayout.HYBRID);
        assertThat(m.unified().orElseThrow().mountPoint()).isEqualTo(Path.of("/sys/fs/cgroup/unified"));
        assertThat(m.v1()).containsOnlyKeys("cpu", "cpuacct", "memory", "pids", "blkio", "net_cls", "net_prio");
        assertThat(m.controller("cpuacct").orElseThrow().mountPoint()).isEqualTo(Path.of("/sys/fs/cgroup/cpu,cpuacct"));
        assertThat(m.controller("name=systemd")).isEmpty();
    }

    @Test
    void v1WithoutCgroup2IsLegacyAndOptionsAreNotControllers() {
        CgroupMounts m = CgroupMounts.parse(LEGACY);
        assertThat(m.layout()).isEqualTo(CgroupLayout.LEGACY);
        assertThat(m.unified()).isEmpty();
        assertThat(m.v1()).containsOnlyKeys("cpu", "cpuacct", "memory");
    }

    @Test
    void noCgroupFilesystemAtAllIsAnError() {
        assertThatThrownBy(() -> CgroupMounts.parse("28 1 254:1 / / rw - ext4 /dev/vda1 rw\n"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no cgroup");
    }

    @Test
    void escapedMountPointsAndOptionalFieldsAreHandled() {
        CgroupMounts m = CgroupMounts.parse(
                "40 31 0:37 / /srv/my\\040cgroups rw,relatime shared:1 master:2 - cgroup2 cgroup2 rw\n");
        assertThat(m.unified().orElseThrow().mountPoint()).isEqualTo(Path.of("/srv/my cgroups"));
    }

    @Test
    void aMountOfASubtreeMapsHostPathsIntoIt() {
        // Inside a container whose cgroup is bind-mounted: the mount shows /kubepods/pod1 at /sys/fs/cgroup.
        CgroupMount mount = new CgroupMount(Path.of("/sys/fs/cgroup"), "/kubepods/pod1");
        assertThat(mount.dirOf("/kubepods/pod1/c1")).isEqualTo(Path.of("/sys/fs/cgroup/c1"));
        assertThat(mount.dirOf("/kubepods/pod1")).isEqualTo(Path.of("/sys/fs/cgroup"));
        assertThat(new CgroupMount(Path.of("/sys/fs/cgroup/memory"), "/").dirOf("/"))
                .isEqualTo(Path.of("/sys/fs/cgroup/memory"));
    }

    @Test
    void aPathCannotLeaveItsHierarchy() {
        CgroupMount mount = new CgroupMount(Path.of("/sys/fs/cgroup"), "/");
        assertThatThrownBy(() -> mount.dirOf("/../../etc")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void thisHostIsDetected() throws Exception {
        // Whatever this machine is, detection must name a layout and find the hierarchies it implies.
        Cgroups host = Cgroups.detect();
        switch (host.layout()) {
            case UNIFIED -> assertThat(host.mounts().unified()).isPresent();
            case HYBRID -> assertThat(host.mounts().v1()).isNotEmpty().containsKey("memory");
            case LEGACY -> assertThat(host.mounts().unified()).isEmpty();
        }
    }
}

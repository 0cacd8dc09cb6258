package io.berth.server.container.spec;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.server.config.CgroupDriver;
import org.junit.jupiter.api.Test;

/** The cgroup paths berth's runtime creates, as /proc/<pid>/cgroup shows them, for both drivers. */
class CgroupsPathTest {
    @Test
    void cgroupfsPathsAreThePathsKubeletGave() {
        assertThat(CgroupsPath.podDir(CgroupDriver.CGROUPFS, "/kubepods/burstable/pod1"))
                .isEqualTo("/kubepods/burstable/pod1");
        assertThat(CgroupsPath.podDir(CgroupDriver.CGROUPFS, "kubepods//pod1/")).isEqualTo("/kubepods/pod1");
        assertThat(CgroupsPath.containerDir(CgroupDriver.CGROUPFS, "/kubepods/pod1", "c1")).isEqualTo("/kubepods/pod1/c1");
        assertThat(CgroupsPath.containerDir(CgroupDriver.CGROUPFS, "", "c1")).isEqualTo("/c1");
    }

    @Test
    void systemdSlicesNestUnderEveryDashPrefixAndContainersAreScopes() {
        assertThat(CgroupsPath.podDir(CgroupDriver.SYSTEMD, "kubepods-burstable-pod1.slice"))
                .isEqualTo("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice");
        assertThat(CgroupsPath.podDir(CgroupDriver.SYSTEMD, "/kubepods.slice/kubepods-pod2.slice"))
                .as("a path stays a path").isEqualTo("/kubepods.slice/kubepods-pod2.slice");
        assertThat(CgroupsPath.containerDir(CgroupDriver.SYSTEMD, "kubepods-pod2.slice", "c2"))
                .isEqualTo("/kubepods.slice/kubepods-pod2.slice/berth-c2.scope");
        assertThat(CgroupsPath.containerDir(CgroupDriver.SYSTEMD, "", "c3"))
                .as("runc's default slice").isEqualTo("/system.slice/berth-c3.scope");
        assertThat(CgroupsPath.sliceDir("-.slice")).isEqualTo("/");
    }
}

package io.berth.linux.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ProcessCgroupsTest {
    @Test
    void hybridLinesGiveV1PathsByControllerAndTheUnifiedPath() {
        ProcessCgroups p = ProcessCgroups.parse(String.join("\n",
                "12:pids:/kubepods/besteffort/pod1/c1",
                "5:cpu,cpuacct:/kubepods/besteffort/pod1/c1",
                "4:memory:/kubepods/besteffort/pod1/c1",
                "1:name=systemd:/system.slice/containerd.service",
                "0::/system.slice/containerd.service", ""));
        assertThat(p.v1Paths()).containsOnlyKeys("pids", "cpu", "cpuacct", "memory");
        assertThat(p.v1Path("cpuacct")).contains("/kubepods/besteffort/pod1/c1");
        assertThat(p.unifiedPath()).contains("/system.slice/containerd.service");
    }

    @Test
    void aUnifiedHostHasOneLine() {
        ProcessCgroups p = ProcessCgroups.parse("0::/kubepods.slice/kubepods-pod1.slice/cri-berth-c1.scope\n");
        assertThat(p.v1Paths()).isEmpty();
        assertThat(p.unifiedPath()).contains("/kubepods.slice/kubepods-pod1.slice/cri-berth-c1.scope");
    }

    @Test
    void aColonInThePathIsKept() {
        assertThat(ProcessCgroups.parse("0::/weird:name\n").unifiedPath()).contains("/weird:name");
    }

    @Test
    void thisProcessHasCgroups() throws Exception {
        ProcessCgroups self = ProcessCgroups.ofProcess(Path.of("/proc"), (int) ProcessHandle.current().pid());
        assertThat(self.unifiedPath().isPresent() || !self.v1Paths().isEmpty()).isTrue();
    }
}

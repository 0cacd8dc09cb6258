package io.berth.server.container.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.NamespaceOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NamespacePlanTest {
    private static final OciSpec.Namespace NET = new OciSpec.Namespace("network", "/run/berth/ns/net-1");
    private static final OciSpec.Namespace UTS = new OciSpec.Namespace("uts", "/run/berth/ns/uts-1");
    private static final OciSpec.Namespace IPC = new OciSpec.Namespace("ipc", "/run/berth/ns/ipc-1");
    private static final OciSpec.Namespace MNT = new OciSpec.Namespace("mount", null);

    private static NamespaceOption.Builder opts(NamespaceMode pid) {
        return Fixtures.podNamespaces().toBuilder().setPid(pid);
    }

    @Test
    void containerPidModeGetsANewPidNamespace() {
        NamespacePlan p = NamespacePlan.of(opts(NamespaceMode.CONTAINER).build(), Fixtures.sandbox(), false, 0);
        assertThat(p.namespaces()).containsExactly(new OciSpec.Namespace("pid", null), NET, UTS, IPC, MNT);
        assertThat(p.hostNetwork()).isFalse();
        assertThat(p.hostIpc()).isFalse();
        assertThat(p.hostPid()).isFalse();
    }

    @Test
    void podPidModeJoinsThePodsPidNamespace() {
        assertThat(NamespacePlan.of(opts(NamespaceMode.POD).build(), Fixtures.sandbox(), false, 0).namespaces())
                .startsWith(new OciSpec.Namespace("pid", "/proc/4242/ns/pid"));
        SandboxFacts initGone = facts("/n", "/i", "/u", NamespaceMode.POD, "");
        assertThatThrownBy(() -> NamespacePlan.of(opts(NamespaceMode.POD).build(), initGone, false, 0))
                .isInstanceOf(FailedPreconditionException.class).hasMessageContaining("no PID namespace");
    }

    @Test
    void podPidModeFollowsASandboxWithoutASharedPidNamespace() {
        // crictl's and critest's container configs leave the PID mode unset, which reads as POD.
        SandboxFacts own = facts("/n", "/i", "/u", NamespaceMode.CONTAINER, "");
        assertThat(NamespacePlan.of(opts(NamespaceMode.POD).build(), own, false, 0).namespaces())
                .startsWith(new OciSpec.Namespace("pid", null));
        NamespacePlan host = NamespacePlan.of(opts(NamespaceMode.POD).build(),
                facts("/n", "/i", "/u", NamespaceMode.NODE, ""), false, 0);
        assertThat(host.hostPid()).isTrue();
        assertThat(host.namespaces()).extracting(OciSpec.Namespace::type).doesNotContain("pid");
    }

    @Test
    void networkIpcAndUtsFollowTheSandboxWhateverTheContainerSays() {
        NamespaceOption unset = NamespaceOption.getDefaultInstance();
        NamespacePlan inHostPod = NamespacePlan.of(unset, facts("", "", "", NamespaceMode.NODE, ""), false, 0);
        assertThat(inHostPod.hostNetwork()).isTrue();
        assertThat(inHostPod.hostIpc()).isTrue();
        assertThat(inHostPod.namespaces()).containsExactly(MNT);

        NamespaceOption node = NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE).setIpc(NamespaceMode.NODE)
                .build();
        NamespacePlan inPod = NamespacePlan.of(node, Fixtures.sandbox(), false, 0);
        assertThat(inPod.hostNetwork()).isFalse();
        assertThat(inPod.namespaces()).contains(NET, UTS, IPC);
    }

    private static SandboxFacts facts(String net, String ipc, String uts, NamespaceMode pidMode, String pidNs) {
        return new SandboxFacts(Fixtures.POD_ID, net, ipc, uts, pidMode, pidNs, "", "", "", "", "", Map.of());
    }

    @Test
    void nodePidModeLeavesPidOut() {
        NamespacePlan p = NamespacePlan.of(opts(NamespaceMode.NODE).build(), Fixtures.sandbox(), false, 0);
        assertThat(p.namespaces()).extracting(OciSpec.Namespace::type).doesNotContain("pid");
        assertThat(p.hostPid()).isTrue();
    }

    @Test
    void targetPidModeJoinsTheTargetsNamespace() {
        NamespaceOption o = opts(NamespaceMode.TARGET).setTargetId("target-c").build();
        assertThat(NamespacePlan.of(o, Fixtures.sandbox(), false, 777).namespaces())
                .startsWith(new OciSpec.Namespace("pid", "/proc/777/ns/pid"));
        assertThatThrownBy(() -> NamespacePlan.of(o, Fixtures.sandbox(), false, 0))
                .isInstanceOf(FailedPreconditionException.class).hasMessageContaining("target-c");
    }

    @Test
    void hostNetworkAndIpcAreLeftOut() {
        NamespaceOption o = NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE).setIpc(NamespaceMode.NODE)
                .setPid(NamespaceMode.NODE).build();
        NamespacePlan p = NamespacePlan.of(o, facts("", "", "", NamespaceMode.NODE, ""), false, 0);
        assertThat(p.namespaces()).containsExactly(MNT);
        assertThat(p.hostNetwork()).isTrue();
        assertThat(p.hostIpc()).isTrue();
    }

    @Test
    void cgroupNamespaceOnlyOnCgroupV2() {
        assertThat(NamespacePlan.of(opts(NamespaceMode.CONTAINER).build(), Fixtures.sandbox(), true, 0).namespaces())
                .endsWith(MNT, new OciSpec.Namespace("cgroup", null));
    }

    @Test
    void privateNetworkIsNotAContainerOption() {
        NamespaceOption o = opts(NamespaceMode.CONTAINER).setNetwork(NamespaceMode.CONTAINER).build();
        assertThatThrownBy(() -> NamespacePlan.of(o, Fixtures.sandbox(), false, 0))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessageStartingWith("config.linux.security_context.namespace_options.network");
    }

    @Test
    void cgroupsPathForBothDrivers() {
        var cgroupfs = io.berth.server.config.CgroupDriver.CGROUPFS;
        var systemd = io.berth.server.config.CgroupDriver.SYSTEMD;
        assertThat(CgroupsPath.of(cgroupfs, "/kubepods/burstable/pod1", "c1")).isEqualTo("/kubepods/burstable/pod1/c1");
        assertThat(CgroupsPath.of(cgroupfs, "kubepods//pod1/", "c1")).isEqualTo("/kubepods/pod1/c1");
        assertThat(CgroupsPath.of(cgroupfs, "", "c1")).isEqualTo("/c1");
        assertThat(CgroupsPath.of(systemd, "kubepods-burstable-pod1.slice", "c1"))
                .isEqualTo("kubepods-burstable-pod1.slice:berth:c1");
        assertThat(CgroupsPath.of(systemd, "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice",
                "c1")).isEqualTo("kubepods-burstable-pod1.slice:berth:c1");
        for (String bad : List.of("/kubepods/../../etc", "./x")) {
            assertThatThrownBy(() -> CgroupsPath.of(cgroupfs, bad, "c1")).isInstanceOf(InvalidArgumentException.class)
                    .hasMessageStartingWith("sandbox_config.linux.cgroup_parent");
        }
        assertThatThrownBy(() -> CgroupsPath.of(systemd, "/kubepods/pod1", "c1"))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("not a systemd slice");
    }
}

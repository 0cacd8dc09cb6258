package io.berth.e2e.pods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.berth.cri.v1.ContainerStatusRequest;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.KeyValue;
import io.berth.cri.v1.Mount;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxStatusRequest;
import io.berth.cri.v1.RemoveContainerRequest;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.StartContainerRequest;
import io.berth.cri.v1.StopContainerRequest;
import io.berth.cri.v1.StopPodSandboxRequest;
import io.berth.e2e.harness.E2eDaemons;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Requests kubelet or a user can get wrong, each refused with a gRPC code and a message that names what was wrong,
 * and each leaving the host exactly as it was: no mount under berth's roots, no cgroup, no shim, no run dir, no
 * snapshot, no veth. The crun handler is configured too: crun 1.8 refuses this host's hybrid cgroup layout, and
 * berth must pass crun's own words back and clean up after it.
 */
class BadInputE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static final String FULL_UNKNOWN_ID = "0123456789abcdef".repeat(4);

    private static PodTestbed testbed;
    private static PodCalls cri;
    private String readyPod;

    @BeforeAll
    static void startBerthd() throws Exception {
        testbed = PodTestbed.start(daemons, "bi", 226, "[runtimes.crun]", "binary = \"crun\"");
        cri = testbed.cri();
    }

    @BeforeEach
    void runAReadyPod() {
        readyPod = cri.runPod("ready");
        // The residue reading sees what a pod makes, so an equal reading after a refusal means something.
        HostResidue withPod = HostResidue.of(testbed);
        assertThat(withPod.mounts()).as("pinned namespaces and /dev/shm").hasSizeGreaterThanOrEqualTo(4);
        assertThat(withPod.runDirs()).hasSize(1);
        assertThat(withPod.vethsOnBridge()).hasSize(1);
    }

    @AfterEach
    void removePodsAndCheckTheHost() {
        testbed.removeAllPods();
        testbed.assertNothingLeftOfAnyPod();
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (testbed != null) {
            testbed.close();
        }
    }

    @Test
    void anImageThatWasNeverPulled() {
        String image = testbed.image().replace(":" + BusyboxImage.TAG, ":never-pushed");
        refused("an unknown image", () -> cri.create(readyPod, cri.container("c", "true")
                .setImage(ImageSpec.newBuilder().setImage(image))), Status.Code.NOT_FOUND, image);
    }

    @Test
    void aHostPathThatDoesNotExist() {
        String missing = "/nonexistent/berth-e2e-" + System.nanoTime();
        refused("a missing host path", () -> cri.create(readyPod, cri.container("c", "true")
                .addMounts(Mount.newBuilder().setHostPath(missing).setContainerPath("/data"))),
                Status.Code.NOT_FOUND, missing);
    }

    @Test
    void aRuntimeHandlerThatIsNotConfigured() {
        refused("an unknown runtime handler", () -> cri.runPod(cri.podConfig("kata-pod", NamespaceMode.CONTAINER),
                "kata"), Status.Code.NOT_FOUND, "kata", "runc", "crun");
    }

    @Test
    void aSecondContainerOfTheSameNameInOnePod() {
        cri.create(readyPod, cri.container("dup", "true"));
        refused("a duplicate name", () -> cri.create(readyPod, cri.container("dup", "true")),
                Status.Code.ALREADY_EXISTS, "dup");
        String otherPod = cri.runPod("other");
        assertThat(cri.create(otherPod, cri.container("dup", "true"))).as("the name is per pod").isNotEmpty();
    }

    @Test
    void idsThatAreMalformedOrUnknown() {
        refused("a path as pod id", () -> cri.create("../../etc", cri.container("c", "true")),
                Status.Code.INVALID_ARGUMENT, "pod_sandbox_id", "../../etc");
        refused("a malformed container id", () -> cri.runtime().containerStatus(ContainerStatusRequest.newBuilder()
                .setContainerId("not-hex!").build()), Status.Code.INVALID_ARGUMENT, "container_id");
        refused("an empty container id", () -> cri.runtime().startContainer(StartContainerRequest.newBuilder()
                .build()), Status.Code.INVALID_ARGUMENT, "container_id");
        refused("a malformed pod id", () -> cri.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                .setPodSandboxId("zz").build()), Status.Code.INVALID_ARGUMENT, "zz");
        refused("an unknown pod", () -> cri.create(FULL_UNKNOWN_ID, cri.container("c", "true")),
                Status.Code.NOT_FOUND, FULL_UNKNOWN_ID);
        refused("starting an unknown container", () -> cri.start(FULL_UNKNOWN_ID), Status.Code.NOT_FOUND,
                FULL_UNKNOWN_ID);
        // Stopping and removing what is not there succeeds, as kubelet retries them until they do (and critest's
        // idempotence specs ask it with ids that are not even of an id's form).
        for (String gone : new String[] {FULL_UNKNOWN_ID, "5e0bd812-f751-4189-97af-9e22cdd057a1"}) {
            cri.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(gone).build());
            cri.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(gone).build());
            cri.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(gone).build());
            cri.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(gone).build());
        }
        refused("stopping an empty container id", () -> cri.runtime().stopContainer(StopContainerRequest
                .getDefaultInstance()), Status.Code.INVALID_ARGUMENT, "container_id");
    }

    @Test
    void anEnvironmentLargerThanExecveTakesIsRefusedAtCreate() {
        // 64 entries of 112 KiB, each under the kernel's 128 KiB per string, 7 MiB in all: more than execve gives
        // arguments and environment under any stack limit (6 MiB at most). With PATH, HOSTNAME and the image's
        // own, the container's environment has 67 entries.
        var container = cri.container("c", "true");
        for (int i = 0; i < 64; i++) {
            container.addEnvs(KeyValue.newBuilder().setKey("BIG" + i).setValue(ByteString.copyFromUtf8("x".repeat(112 * 1024))));
        }
        refused("an environment of 7 MiB", () -> cri.create(readyPod, container), Status.Code.INVALID_ARGUMENT,
                "config.envs", "environment entries: 67", "execve");
    }

    @Test
    void aContainerInAStoppedPod() {
        cri.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(readyPod).build());
        refused("a container in a stopped pod", () -> cri.create(readyPod, cri.container("late", "true")),
                Status.Code.FAILED_PRECONDITION, readyPod, "not ready");
    }

    @Test
    void sysctlsThatAreNotThePodsOrNotSysctlsAtAll() {
        refused("a node-wide sysctl", () -> cri.runPod(withSysctl("node-wide", "kernel.panic", "1")),
                Status.Code.INVALID_ARGUMENT, "kernel.panic", "not a namespaced sysctl");
        refused("a key that smuggles a second sysctl", () -> cri.runPod(withSysctl("key-injection",
                "kernel.shmmax=1 kernel.panic", "1")), Status.Code.INVALID_ARGUMENT, "not a sysctl name");
        refused("a value that smuggles a second sysctl", () -> cri.runPod(withSysctl("value-injection",
                "kernel.shmmax", "1\nkernel.panic=1")), Status.Code.INVALID_ARGUMENT, "kernel.shmmax", "value");
        PodSandboxConfig.Builder hostNetwork = withSysctl("host-net", "net.ipv4.ip_unprivileged_port_start", "0");
        hostNetwork.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder()
                .setNetwork(NamespaceMode.NODE);
        refused("a net sysctl in the host's network", () -> cri.runPod(hostNetwork), Status.Code.INVALID_ARGUMENT,
                "net.ipv4.ip_unprivileged_port_start", "host network");
    }

    @Test
    void aSysctlValueTheKernelRefusesFailsTheContainerWithTheRuntimesWords() {
        String pod = cri.runPod(withSysctl("bad-value", "kernel.msgmax", "not-a-number"));
        refused("a sysctl value the kernel refuses", () -> cri.create(pod, cri.container("c", "true")),
                Status.Code.INTERNAL, "runc", "kernel/msgmax");
    }

    @Test
    void crunRefusesThisHostsHybridCgroupsAndBerthPassesItsErrorBackAndCleansUp() {
        String crunPod = cri.runPod(cri.podConfig("crun-pod", NamespaceMode.CONTAINER), "crun");
        assertThat(cri.info(cri.create(readyPod, cri.container("on-runc", "true"))).get("runtimeHandler"))
                .isEqualTo("runc");
        refused("crun on a hybrid cgroup host", () -> cri.create(crunPod, cri.container("on-crun", "true")),
                Status.Code.INTERNAL, "crun", "hybrid");
        // A POD-mode pod runs its init through the handler at RunPodSandbox: refused there, leaving no sandbox.
        refused("a crun pod with a pod init", () -> cri.runPod(cri.podConfig("crun-init", NamespaceMode.POD), "crun"),
                Status.Code.INTERNAL, "crun", "hybrid");
    }

    private static PodSandboxConfig.Builder withSysctl(String podName, String key, String value) {
        PodSandboxConfig.Builder pod = cri.podConfig(podName, NamespaceMode.CONTAINER);
        pod.getLinuxBuilder().putSysctls(key, value);
        return pod;
    }

    /** The call fails with {@code code} and a message naming every {@code part}; the host is as it was before. */
    private static void refused(String what, ThrowingCallable call, Status.Code code, String... parts) {
        HostResidue before = HostResidue.of(testbed);
        assertThatThrownBy(call).as(what).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as(what + ": " + e.getStatus()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).as(what).contains(parts);
        });
        HostResidue.awaitSameAs(before, testbed, what);
    }
}

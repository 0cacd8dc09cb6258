package io.berth.e2e.pods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.ContainerFilter;
import io.berth.cri.v1.IDMapping;
import io.berth.cri.v1.ListContainersRequest;
import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxState;
import io.berth.cri.v1.UserNamespace;
import io.berth.e2e.harness.E2eDaemons;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * berth builds no user namespaces (runc 1.1 has no idmapped mounts), so a pod or container that asks for one
 * ({@code hostUsers: false}: {@code userns_options} mode POD, with kubelet's id mappings) is refused with
 * FAILED_PRECONDITION naming the field and what is missing, and leaves nothing: no sandbox or container listed,
 * nothing added under berthd's state dir or on the host. Mode NODE, which kubelet sends for every ordinary pod,
 * runs in the host's user namespace.
 */
class UserNamespaceRefusalE2eTest {
    @RegisterExtension
    @Order(1)
    static final E2eDaemons daemons = new E2eDaemons();

    /** Registered after the daemons, so its after-callbacks run before theirs. */
    @RegisterExtension
    @Order(2)
    static final PodSuite suite = new PodSuite(daemons, "un", 224);

    /** The host's whole id range: what a process outside any user namespace sees in its uid_map and gid_map. */
    private static final String HOST_ID_MAP = "0 0 4294967295";

    private static PodCalls cri() {
        return suite.cri();
    }

    @Test
    void aPodAskingForAUserNamespaceIsRefusedByNameAndLeavesNothing() {
        List<String> stateBefore = stateEntries();
        HostResidue before = HostResidue.of(suite.testbed());
        PodSandboxConfig.Builder pod = withUserns(cri().podConfig("userns-pod", NamespaceMode.CONTAINER),
                NamespaceMode.POD);

        refused("RunPodSandbox with userns_options mode POD", () -> cri().runPod(pod));

        assertThat(cri().runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList())
                .as("sandboxes listed after the refusal").isEmpty();
        HostResidue.awaitSameAs(before, suite.testbed(), "a refused userns pod");
        assertThat(stateEntries()).as("berthd's state dir after the refusal").isEqualTo(stateBefore);
        assertThat(HostResidue.runDirs(suite.testbed().berthd().state())).as("sandbox run dirs").isEmpty();

        // kubelet retries a failed RunPodSandbox: the retry is refused the same way, not answered by a leftover.
        refused("the same RunPodSandbox again", () -> cri().runPod(pod));
        assertThat(cri().runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList())
                .isEmpty();
    }

    @Test
    void aPodWithUsernsModeNodeRunsInTheHostsUserNamespace() {
        String pod = cri().runPod(withUserns(cri().podConfig("userns-node", NamespaceMode.CONTAINER),
                NamespaceMode.NODE));
        assertThat(cri().podStatus(pod).getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
        String container = cri().run(pod, withUserns(cri().shell("ids",
                "cat /proc/self/uid_map /proc/self/gid_map; readlink /proc/self/ns/user"), NamespaceMode.NODE));
        assertThat(cri().awaitExit(container).getExitCode()).as("output %s", cri().output(container)).isZero();
        List<String> out = cri().output(container);
        assertThat(out).hasSize(3);
        assertThat(out.get(0).trim().split("\\s+")).as("uid_map").containsExactly(HOST_ID_MAP.split(" "));
        assertThat(out.get(1).trim().split("\\s+")).as("gid_map").containsExactly(HOST_ID_MAP.split(" "));
        assertThat(out.get(2)).as("the user namespace berthd and this test run in").isEqualTo(hostUserNamespace());
    }

    @Test
    void aContainerAskingForAUserNamespaceInAnOrdinaryPodIsRefusedAndLeavesNothing() {
        String pod = cri().runPod("ordinary");
        List<String> stateBefore = stateEntries();
        HostResidue before = HostResidue.of(suite.testbed());
        assertThat(before.runDirs()).as("the pod's run dir, so an equal reading after means something").hasSize(1);

        refused("CreateContainer with userns_options mode POD", () -> cri().create(pod,
                withUserns(cri().container("userns-container", "true"), NamespaceMode.POD)));

        assertThat(cri().runtime().listContainers(ListContainersRequest.newBuilder()
                .setFilter(ContainerFilter.newBuilder().setPodSandboxId(pod)).build()).getContainersList())
                .as("containers listed after the refusal").isEmpty();
        HostResidue.awaitSameAs(before, suite.testbed(), "a refused userns container");
        assertThat(stateEntries()).as("berthd's state dir after the refusal").isEqualTo(stateBefore);
        // The name was not taken by the refused container: an ordinary one of that name is created.
        String ok = cri().run(pod, cri().container("userns-container", "true"));
        assertThat(cri().awaitExit(ok).getExitCode()).isZero();
    }

    /** kubelet's request for hostUsers: false: mode POD with one 65536-id range for uids and for gids. */
    private static PodSandboxConfig.Builder withUserns(PodSandboxConfig.Builder pod, NamespaceMode mode) {
        pod.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder()
                .setUsernsOptions(userns(mode));
        return pod;
    }

    private static ContainerConfig.Builder withUserns(ContainerConfig.Builder container, NamespaceMode mode) {
        container.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder()
                .setUsernsOptions(userns(mode));
        return container;
    }

    private static UserNamespace userns(NamespaceMode mode) {
        UserNamespace.Builder userns = UserNamespace.newBuilder().setMode(mode);
        if (mode == NamespaceMode.POD) {
            IDMapping range = IDMapping.newBuilder().setHostId(65536 * 3).setContainerId(0).setLength(65536).build();
            userns.addUids(range).addGids(range);
        }
        return userns.build();
    }

    /** FAILED_PRECONDITION naming the field, the missing idmapped mounts, and what the user can do instead. */
    private static void refused(String what, ThrowingCallable call) {
        assertThatThrownBy(call).as(what).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as(what + ": " + e.getStatus())
                    .isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(e.getStatus().getDescription()).as(what).contains(
                    "config.linux.security_context.namespace_options.userns_options",
                    "mode POD", "user namespace", "idmapped mounts", "hostUsers: true");
        });
    }

    /** Everything under berthd's state dir, two levels deep (its kinds of record and one entry per object). */
    private static List<String> stateEntries() {
        Path state = suite.testbed().berthd().state();
        try (Stream<Path> walk = Files.walk(state, 2)) {
            return walk.map(p -> state.relativize(p).toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String hostUserNamespace() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/ns/user")).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

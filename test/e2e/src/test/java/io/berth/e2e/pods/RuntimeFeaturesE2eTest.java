package io.berth.e2e.pods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.ContainerStatus;
import io.berth.cri.v1.Int64Value;
import io.berth.cri.v1.LinuxContainerConfig;
import io.berth.cri.v1.LinuxContainerSecurityContext;
import io.berth.cri.v1.Mount;
import io.berth.cri.v1.MountPropagation;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.RuntimeHandler;
import io.berth.cri.v1.StatusRequest;
import io.berth.cri.v1.StatusResponse;
import io.berth.cri.v1.SupplementalGroupsPolicy;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.HostCommands;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What kubelet reads of berth's features in {@code Status}, checked against this host rather than against berth's
 * own probe: the runtime-wide flags, and for each runtime handler ({@code ""}, {@code runc}, and {@code crun}
 * configured here) {@code recursive_read_only_mounts} exactly when the handler's binary lists {@code rro} in its
 * own {@code features} and the kernel has mount_setattr (5.12). Then the claims are made good: a recursive
 * read-only mount leaves a submount unwritable (where a plain read-only one does not), and the Strict
 * supplemental-groups policy keeps the groups the image's /etc/group would add, which Merge adds.
 */
class RuntimeFeaturesE2eTest {
    @RegisterExtension
    @Order(1)
    static final E2eDaemons daemons = new E2eDaemons();

    /** Registered after the daemons, so its after-callbacks run before theirs. */
    @RegisterExtension
    @Order(2)
    static final PodSuite suite = new PodSuite(daemons, "rf", 224, "[runtimes.crun]", "binary = \"crun\"");

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The handlers kubelet sees and the binary behind each: the empty name is the default runtime, runc. */
    private static final Map<String, String> HANDLER_BINARIES = Map.of("", "runc", "runc", "runc", "crun", "crun");

    private static PodCalls cri() {
        return suite.cri();
    }

    @Test
    void statusReportsWhatThisHostsKernelAndEachHandlersBinaryCanDo() throws Exception {
        StatusResponse status = cri().runtime().status(StatusRequest.newBuilder().setVerbose(true).build());

        assertThat(status.getFeatures().getSupplementalGroupsPolicy()).as("features.supplemental_groups_policy")
                .isTrue();
        assertThat(status.getFeatures().getMountOptions()).as("features.mount_options").isTrue();
        assertThat(status.getFeatures().getUserNamespacesHostNetwork())
                .as("features.user_namespaces_host_network").isFalse();

        // The handler-to-binary mapping this test assumes is the one berthd runs with.
        JsonNode config = JSON.readTree(status.getInfoOrThrow("config"));
        assertThat(config.path("default_runtime").asText()).isEqualTo("runc");
        assertThat(config.path("runtimes").path("runc").path("binary").asText()).isEqualTo("runc");
        assertThat(config.path("runtimes").path("crun").path("binary").asText()).isEqualTo("crun");

        Map<String, RuntimeHandler> handlers = status.getRuntimeHandlersList().stream()
                .collect(Collectors.toMap(RuntimeHandler::getName, Function.identity()));
        assertThat(handlers.keySet()).as("runtime_handlers").containsExactlyInAnyOrderElementsOf(
                HANDLER_BINARIES.keySet());

        boolean kernel = kernelHasMountSetattr();
        for (Map.Entry<String, String> h : HANDLER_BINARIES.entrySet()) {
            boolean expected = kernel && binaryListsRro(h.getValue());
            RuntimeHandler reported = handlers.get(h.getKey());
            assertThat(reported.getFeatures().getRecursiveReadOnlyMounts())
                    .as("handler '%s' (%s): recursive_read_only_mounts; kernel has mount_setattr: %s, "
                            + "'%s features' lists rro: %s", h.getKey(), h.getValue(), kernel, h.getValue(),
                            binaryListsRro(h.getValue()))
                    .isEqualTo(expected);
            assertThat(reported.getFeatures().getUserNamespaces())
                    .as("handler '%s': user_namespaces", h.getKey()).isFalse();
        }
        // What the issue found on this host: runc 1.1 lists rro, crun 1.8 has no features command at all.
        assertThat(kernel && binaryListsRro("runc")).as("runc on this host supports rro").isTrue();
        assertThat(handlers.get("crun").getFeatures().getRecursiveReadOnlyMounts())
                .as("crun 1.8 cannot say it supports rro, so it is not claimed").isEqualTo(binaryListsRro("crun"));
    }

    @Test
    void aRecursiveReadOnlyMountLeavesItsSubmountUnwritableWhereAPlainReadOnlyOneDoesNot() throws Exception {
        Path volume = suite.testbed().dir("rro-volume");
        Path sub = Files.createDirectories(volume.resolve("sub"));
        String mounted = HostCommands.run("mount", "-t", "tmpfs", "-o", "size=1m", "berth-e2e-rro", sub.toString());
        try {
            assertThat(isMountpoint(sub)).as("tmpfs on %s: %s", sub, mounted).isTrue();
            Files.writeString(sub.resolve("marker"), "on-submount\n");
            String script = "cat /data/sub/marker; "
                    + "touch /data/sub/x 2>&1 && echo sub-written || echo sub-refused; "
                    + "touch /data/y 2>&1 && echo top-written || echo top-refused";
            String pod = cri().runPod("rro");

            ContainerConfig.Builder recursive = cri().shell("recursive", script).addMounts(Mount.newBuilder()
                    .setHostPath(volume.toString()).setContainerPath("/data")
                    .setPropagation(MountPropagation.PROPAGATION_PRIVATE)
                    .setReadonly(true).setRecursiveReadOnly(true));
            if (!kernelHasMountSetattr() || !binaryListsRro("runc")) {
                // Not this host; but a runtime that cannot must refuse rather than mount it writable.
                assertThatThrownBy(() -> cri().create(pod, recursive)).isInstanceOfSatisfying(
                        StatusRuntimeException.class, e -> assertThat(e.getStatus().getDescription())
                                .contains("recursive_read_only"));
                return;
            }
            String rro = cri().run(pod, recursive);
            assertThat(cri().awaitExit(rro).getExitCode()).as("output: %s", cri().output(rro)).isZero();
            assertThat(cri().output(rro)).containsExactly(
                    "on-submount",
                    "touch: /data/sub/x: Read-only file system",
                    "sub-refused",
                    "touch: /data/y: Read-only file system",
                    "top-refused");
            ContainerStatus status = cri().status(rro);
            assertThat(status.getMountsList()).as("the mount as kubelet reads it back").singleElement()
                    .satisfies(m -> {
                        assertThat(m.getContainerPath()).isEqualTo("/data");
                        assertThat(m.getReadonly()).isTrue();
                        assertThat(m.getRecursiveReadOnly()).isTrue();
                    });
            assertThat(sub.resolve("x")).doesNotExist();

            // The contrast that shows what rro is for: plain readonly covers only the top mount.
            String ro = cri().run(pod, cri().shell("plain", script).addMounts(Mount.newBuilder()
                    .setHostPath(volume.toString()).setContainerPath("/data").setReadonly(true)));
            cri().awaitExit(ro);
            assertThat(cri().output(ro)).containsExactly(
                    "on-submount",
                    "sub-written",
                    "touch: /data/y: Read-only file system",
                    "top-refused");
            assertThat(sub.resolve("x")).as("written through the plain read-only mount's submount").exists();
        } finally {
            suite.testbed().removeAllPods();
            if (isMountpoint(sub)) {
                HostCommands.run("umount", sub.toString());
            }
            assertThat(isMountpoint(sub)).as("the test's tmpfs is gone").isFalse();
        }
    }

    @Test
    void strictSupplementalGroupsKeepOutTheImagesGroupsWhichMergeAddsIn() {
        String strictPod = cri().runPod(withPolicy(cri().podConfig("strict", NamespaceMode.CONTAINER),
                SupplementalGroupsPolicy.Strict));
        String strict = cri().run(strictPod, groupsOf("strict", SupplementalGroupsPolicy.Strict));
        String strictWithRequested = cri().run(strictPod,
                groupsOf("strict-requested", SupplementalGroupsPolicy.Strict, 3000L));

        String mergePod = cri().runPod(cri().podConfig("merge", NamespaceMode.CONTAINER));
        String merge = cri().run(mergePod, groupsOf("merge", SupplementalGroupsPolicy.Merge));
        String mergeWithRequested = cri().run(mergePod,
                groupsOf("merge-requested", SupplementalGroupsPolicy.Merge, 3000L));

        long uid = BusyboxImage.USER_UID;
        long gid = BusyboxImage.USER_GID;
        long extra = BusyboxImage.EXTRA_GID;
        assertGroups(strict, uid, gid, Set.of(gid));
        assertGroups(strictWithRequested, uid, gid, Set.of(gid, 3000L));
        assertGroups(merge, uid, gid, Set.of(gid, extra));
        assertGroups(mergeWithRequested, uid, gid, Set.of(gid, extra, 3000L));
    }

    /** {@code id -u}, {@code id -g} and {@code id -G} of a container run as the image's uid 1234, by number. */
    private static ContainerConfig.Builder groupsOf(String name, SupplementalGroupsPolicy policy, Long... requested) {
        return cri().shell(name, "id -u; id -g; id -G").setLinux(LinuxContainerConfig.newBuilder()
                .setSecurityContext(LinuxContainerSecurityContext.newBuilder()
                        .setRunAsUser(Int64Value.newBuilder().setValue(BusyboxImage.USER_UID))
                        .addAllSupplementalGroups(List.of(requested))
                        .setSupplementalGroupsPolicy(policy)));
    }

    /** kubelet puts the pod's policy into the sandbox's security context too. */
    private static PodSandboxConfig.Builder withPolicy(PodSandboxConfig.Builder pod, SupplementalGroupsPolicy policy) {
        pod.getLinuxBuilder().getSecurityContextBuilder().setSupplementalGroupsPolicy(policy);
        return pod;
    }

    /** What the process had, from its log, and what ContainerStatus.user tells kubelet, agree with {@code groups}. */
    private static void assertGroups(String container, long uid, long gid, Set<Long> groups) {
        String name = cri().status(container).getMetadata().getName();
        assertThat(cri().awaitExit(container).getExitCode()).as(name).isZero();
        List<String> out = cri().output(container);
        assertThat(out).as("%s: id -u, id -g, id -G", name).hasSize(3);
        assertThat(out.get(0)).as(name + " uid").isEqualTo(Long.toString(uid));
        assertThat(out.get(1)).as(name + " gid").isEqualTo(Long.toString(gid));
        assertThat(numbers(out.get(2))).as(name + ": id -G").isEqualTo(new TreeSet<>(groups));
        var user = cri().status(container).getUser().getLinux();
        assertThat(user.getUid()).as(name + " status uid").isEqualTo(uid);
        assertThat(user.getGid()).as(name + " status gid").isEqualTo(gid);
        assertThat(new TreeSet<>(user.getSupplementalGroupsList())).as(name + " status supplemental_groups")
                .isEqualTo(new TreeSet<>(groups));
    }

    private static TreeSet<Long> numbers(String line) {
        return Arrays.stream(line.trim().split("\\s+")).map(Long::parseLong).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Linux 5.12 brought mount_setattr(2), which recursive read-only needs; read here, not from berthd. */
    static boolean kernelHasMountSetattr() throws IOException {
        String release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        String[] parts = release.split("[.\\-+]");
        int major = Integer.parseInt(parts[0]);
        int minor = Integer.parseInt(parts[1]);
        return major > 5 || (major == 5 && minor >= 12);
    }

    /** Runs {@code <binary> features} here: true only if it succeeds and its JSON mountOptions contains "rro". */
    static boolean binaryListsRro(String binary) throws Exception {
        Process p = new ProcessBuilder(binary, "features").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(binary + " features did not finish");
        }
        if (p.exitValue() != 0) {
            return false;
        }
        JsonNode options = JSON.readTree(out).path("mountOptions");
        for (JsonNode o : options) {
            if ("rro".equals(o.asText())) {
                return true;
            }
        }
        return false;
    }

    private static boolean isMountpoint(Path dir) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .map(line -> line.split(" ")[4])
                .anyMatch(mountpoint -> mountpoint.equals(dir.toString()));
    }
}

package io.berth.e2e.pods;

import com.google.protobuf.ByteString;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.cri.v1.Capability;
import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.Int64Value;
import io.berth.cri.v1.KeyValue;
import io.berth.cri.v1.LinuxContainerConfig;
import io.berth.cri.v1.LinuxContainerSecurityContext;
import io.berth.cri.v1.LinuxContainerUser;
import io.berth.cri.v1.Mount;
import io.berth.e2e.harness.E2eDaemons;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the process inside a container gets from the CRI config and the image config, read back from its own
 * output: command and args merged with ENTRYPOINT/CMD, env, working dir, user and groups, a read-only rootfs with
 * writable and read-only mounts, and its capability sets in {@code /proc/1/status}.
 */
class ContainerProcessE2eTest {
    @RegisterExtension
    @Order(1)
    static final E2eDaemons daemons = new E2eDaemons();

    /** Registered after the daemons, so its after-callbacks run before theirs. */
    @RegisterExtension
    @Order(2)
    static final PodSuite suite = new PodSuite(daemons, "pr", 221);

    private static PodCalls cri() {
        return suite.cri();
    }

    /** containerd's 14 default capabilities: CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP
     *  SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE, as the kernel prints the mask. */
    private static final long DEFAULT_CAPS = 0xa80425fbL;
    private static final long CAP_CHOWN = 1L;
    private static final long CAP_KILL = 1L << 5;
    private static final long CAP_NET_BIND_SERVICE = 1L << 10;
    private static final long CAP_NET_ADMIN = 1L << 12;
    private static final long CAP_SYS_ADMIN = 1L << 21;


    @Test
    void argsEnvWorkdirUserAndGroupsAreWhatTheProcessSees() {
        String pod = cri().runPod("identity");
        String named = cri().run(pod, cri().container("named", "/bin/sh", "-c",
                "echo \"args=$0,$1,$2\"; id; pwd; echo \"FOO=$FOO FROM_IMAGE=$FROM_IMAGE PATH=$PATH\"")
                .addAllArgs(List.of("zero", "one two", "three"))
                .addEnvs(KeyValue.newBuilder().setKey("FOO").setValue(ByteString.copyFromUtf8("bar baz")))
                .setWorkingDir("/tmp")
                .setLinux(security(LinuxContainerSecurityContext.newBuilder()
                        .setRunAsUsername(BusyboxImage.USER).addSupplementalGroups(3000))));
        String numeric = cri().run(pod, cri().shell("numeric", "id")
                .setLinux(security(LinuxContainerSecurityContext.newBuilder()
                        .setRunAsUser(Int64Value.newBuilder().setValue(4321)).setRunAsGroup(Int64Value.newBuilder().setValue(555)))));
        String imageDefaults = cri().run(pod, cri().shell("defaults", "id; pwd"));

        cri().awaitExit(named);
        assertThat(cri().output(named)).containsExactly(
                "args=zero,one two,three",
                "uid=1234(app) gid=1234(app) groups=1234(app),2000(extra),3000",
                "/tmp",
                "FOO=bar baz FROM_IMAGE=yes PATH=/bin");
        assertThat(cri().status(named).getUser().getLinux()).isEqualTo(LinuxContainerUser.newBuilder()
                .setUid(BusyboxImage.USER_UID).setGid(BusyboxImage.USER_GID)
                .addAllSupplementalGroups(List.of((long) BusyboxImage.USER_GID, (long) BusyboxImage.EXTRA_GID, 3000L))
                .build());

        cri().awaitExit(numeric);
        assertThat(cri().output(numeric)).containsExactly("uid=4321 gid=555 groups=555");

        cri().awaitExit(imageDefaults);
        assertThat(cri().output(imageDefaults)).as("root and the image's WorkingDir")
                .containsExactly("uid=0(root) gid=0(root) groups=0(root)", BusyboxImage.WORKING_DIR);
    }

    @Test
    void commandAndArgsMergeWithTheImageEntrypointAndCmdAsKubeletUsersExpect() {
        String pod = cri().runPod("merge");
        Map<String, ContainerConfig.Builder> cases = new LinkedHashMap<>();
        cases.put("entry cmd", cri().container("neither"));
        cases.put("entry a b", cri().container("args-only").addAllArgs(List.of("a", "b")));
        cases.put("own", cri().container("command-only", "/bin/echo", "own"));
        cases.put("own x y", cri().container("both", "/bin/echo", "own").addAllArgs(List.of("x", "y")));
        Map<String, String> ids = new LinkedHashMap<>();
        cases.forEach((expected, config) -> ids.put(expected, cri().run(pod, config)));
        ids.forEach((expected, id) -> {
            assertThat(cri().awaitExit(id).getExitCode()).isZero();
            assertThat(cri().output(id)).as(cri().status(id).getMetadata().getName()).containsExactly(expected);
        });
    }

    @Test
    void aReadOnlyRootfsRefusesWritesWhileItsWritableMountsAcceptThem() throws Exception {
        Path data = suite.testbed().dir("rw-volume");
        Path config = suite.testbed().dir("ro-volume");
        Files.writeString(config.resolve("setting"), "from-host\n");
        String pod = cri().runPod("rootfs");
        String readOnly = cri().run(pod, cri().shell("read-only",
                "touch /new-file || echo rootfs-refused; echo written > /data/out && echo volume-written;"
                        + " cat /config/setting; touch /config/x || echo ro-mount-refused;"
                        + " touch /dev/shm/x && echo shm-written")
                .addMounts(Mount.newBuilder().setHostPath(data.toString()).setContainerPath("/data"))
                .addMounts(Mount.newBuilder().setHostPath(config.toString()).setContainerPath("/config")
                        .setReadonly(true))
                .setLinux(security(LinuxContainerSecurityContext.newBuilder().setReadonlyRootfs(true))));
        String writable = cri().run(pod, cri().shell("writable", "touch /new-file && echo rootfs-written"));

        cri().awaitExit(readOnly);
        assertThat(cri().output(readOnly)).contains("rootfs-refused", "volume-written", "from-host",
                "ro-mount-refused", "shm-written");
        assertThat(cri().output(readOnly)).anySatisfy(line -> assertThat(line).contains("Read-only file system"));
        assertThat(data.resolve("out")).hasContent("written");
        assertThat(config).isDirectoryNotContaining("glob:**/x");
        cri().awaitExit(writable);
        assertThat(cri().output(writable)).containsExactly("rootfs-written");
    }

    @Test
    void mountPointsTheRuntimeCreatesCanBeEnteredByANonRootUser() throws Exception {
        // runc makes /opt/deep/ and /opt/deep/mount in the container's rootfs; it once did so under berthd's 0077
        // umask, which left a non-root container outside its own volumes (critest's image-volume subPath spec).
        Path data = suite.testbed().dir("deep-volume");
        Files.writeString(data.resolve("file"), "seen\n");
        String pod = cri().runPod("mount-points");
        String id = cri().run(pod, cri().shell("non-root", "stat -c '%a' /opt/deep; cat /opt/deep/mount/file")
                .addMounts(Mount.newBuilder().setHostPath(data.toString()).setContainerPath("/opt/deep/mount")
                        .setReadonly(true))
                .setLinux(security(LinuxContainerSecurityContext.newBuilder()
                        .setRunAsUser(Int64Value.newBuilder().setValue(4321)))));
        cri().awaitExit(id);
        assertThat(cri().output(id)).containsExactly("755", "seen");
    }

    @Test
    void capabilitiesInProcOneStatusAreTheDefaultSetWithAddsAndDropsApplied() throws Exception {
        // "ALL" is every capability berthd holds, as in containerd; berthd has those of this JVM, its parent.
        long all = effectiveCapabilitiesOfThisProcess();
        Map<String, Capability.Builder> requests = new LinkedHashMap<>();
        requests.put("default", Capability.newBuilder());
        requests.put("add-net-admin", Capability.newBuilder().addAddCapabilities("NET_ADMIN"));
        requests.put("drop-chown-kill", Capability.newBuilder().addDropCapabilities("CHOWN")
                .addDropCapabilities("CAP_KILL"));
        requests.put("drop-all", Capability.newBuilder().addDropCapabilities("ALL"));
        requests.put("add-all", Capability.newBuilder().addAddCapabilities("ALL"));
        requests.put("add-all-drop-sys-admin", Capability.newBuilder().addAddCapabilities("ALL")
                .addDropCapabilities("SYS_ADMIN"));
        requests.put("drop-all-add-bind", Capability.newBuilder().addDropCapabilities("ALL")
                .addAddCapabilities("NET_BIND_SERVICE"));
        Map<String, Long> expected = Map.of(
                "default", DEFAULT_CAPS,
                "add-net-admin", DEFAULT_CAPS | CAP_NET_ADMIN,
                "drop-chown-kill", DEFAULT_CAPS & ~CAP_CHOWN & ~CAP_KILL,
                "drop-all", 0L,
                "add-all", all,
                "add-all-drop-sys-admin", all & ~CAP_SYS_ADMIN,
                "drop-all-add-bind", CAP_NET_BIND_SERVICE);

        String pod = cri().runPod("caps");
        Map<String, String> ids = new LinkedHashMap<>();
        requests.forEach((name, caps) -> ids.put(name, cri().run(pod, cri().shell(name, "grep ^Cap /proc/1/status")
                .setLinux(security(LinuxContainerSecurityContext.newBuilder().setCapabilities(caps))))));
        String nonRoot = cri().run(pod, cri().shell("non-root", "grep ^Cap /proc/1/status")
                .setLinux(security(LinuxContainerSecurityContext.newBuilder().setRunAsUsername(BusyboxImage.USER))));

        ids.forEach((name, id) -> {
            cri().awaitExit(id);
            String mask = String.format("%016x", expected.get(name));
            assertThat(cri().output(id)).as(name).contains("CapBnd:\t" + mask, "CapPrm:\t" + mask, "CapEff:\t" + mask,
                    "CapInh:\t0000000000000000", "CapAmb:\t0000000000000000");
        });
        cri().awaitExit(nonRoot);
        assertThat(cri().output(nonRoot)).as("a non-root user keeps the bounding set but has no effective ones")
                .contains(String.format("CapBnd:\t%016x", DEFAULT_CAPS), "CapEff:\t0000000000000000");
    }

    private static long effectiveCapabilitiesOfThisProcess() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("CapEff:"))
                .map(l -> Long.parseUnsignedLong(l.substring("CapEff:".length()).trim(), 16)).findFirst().orElseThrow();
    }

    private static LinuxContainerConfig security(LinuxContainerSecurityContext.Builder context) {
        return LinuxContainerConfig.newBuilder().setSecurityContext(context).build();
    }
}

package io.berth.server.container.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.berth.cri.v1.Capability;
import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.LinuxContainerConfig;
import io.berth.cri.v1.LinuxContainerResources;
import io.berth.cri.v1.LinuxContainerSecurityContext;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.SecurityProfile;
import io.berth.server.config.CgroupDriver;
import io.berth.server.runtimestatus.Executables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves that a generated config.json is accepted by a real runc and means what it says: the process runs as
 * the user resolved from the image, with the capability sets, hostname and namespaces of the spec, under the
 * default seccomp profile. Needs root, runc and a static busybox; skipped otherwise.
 */
class RuncAcceptanceTest {
    private static final Path BUSYBOX = Path.of("/bin/busybox");

    @TempDir Path tmp;
    private final String cgroupParent = "/berth-spec-test-" + UUID.randomUUID().toString().substring(0, 8);
    private final String id = "spec-" + UUID.randomUUID().toString().substring(0, 8);
    private Path runc;
    private Process pod;

    @BeforeEach
    void requirements() throws IOException {
        assumeTrue((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0, "needs root");
        assumeTrue(Files.isExecutable(BUSYBOX), "needs /bin/busybox (busybox-static)");
        runc = Executables.find("runc").orElse(null);
        assumeTrue(runc != null, "needs runc");
        assumeTrue(Executables.find("unshare").isPresent(), "needs unshare");
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (runc != null) {
            run(List.of(runc.toString(), "--root", tmp.resolve("state").toString(), "delete", "-f", id), 30);
        }
        if (pod != null) {
            pod.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        // runc removes the container's cgroup; the test-unique parent it created is ours to remove.
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.toList()) {
                Path dir = Path.of(h.toString() + cgroupParent);
                if (Files.isDirectory(dir)) {
                    Files.delete(dir);
                }
            }
        }
        if (Files.isDirectory(Path.of("/sys/fs/cgroup" + cgroupParent))) {
            Files.delete(Path.of("/sys/fs/cgroup" + cgroupParent));
        }
    }

    @Test
    void runcRunsTheGeneratedSpec() throws Exception {
        Path bundle = tmp.resolve("bundle");
        Path rootfs = busyboxRootfs(bundle.resolve("rootfs"));
        Path sandboxDir = Files.createDirectories(tmp.resolve("sandbox"));
        Files.writeString(sandboxDir.resolve("hosts"), "127.0.0.1 localhost\n");
        Files.writeString(sandboxDir.resolve("resolv.conf"), "nameserver 127.0.0.53\n");
        Files.writeString(sandboxDir.resolve("hostname"), "web-0\n");
        Files.writeString(Files.createDirectories(sandboxDir.resolve("shm")).resolve("marker"), "pod-shm\n");

        // A stand-in for the pod's infra process: it holds the pod's network, IPC and UTS namespaces.
        pod = new ProcessBuilder("unshare", "--net", "--ipc", "--uts", "sleep", "300").start();
        String ns = "/proc/" + pod.pid() + "/ns/";
        waitUntilUnshared(ns);
        SandboxFacts sandbox = new SandboxFacts(Fixtures.POD_ID, ns + "net", ns + "ipc", ns + "uts",
                NamespaceMode.CONTAINER, "",
                cgroupParent, sandboxDir.resolve("hosts").toString(), sandboxDir.resolve("resolv.conf").toString(),
                sandboxDir.resolve("hostname").toString(), sandboxDir.resolve("shm").toString(), Map.of());

        LinuxContainerSecurityContext.Builder sc = Fixtures.sc().setRunAsUsername("app")
                .setCapabilities(Capability.newBuilder().addDropCapabilities("NET_RAW").addAddCapabilities("SYS_TIME"))
                .setSeccomp(SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.RuntimeDefault))
                .setNoNewPrivs(true);
        ContainerConfig config = Fixtures.config().clearCommand()
                .addCommand("sh").addArgs("-c").addArgs("id; hostname; grep -E '^Cap(Bnd|Eff)' /proc/self/status;"
                        + " echo shm=$(cat /dev/shm/marker) pid1=$(cat /proc/1/comm); cat /proc/self/cgroup")
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(sc)
                        .setResources(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(64 << 20)
                                .setCpuShares(256)))
                .build();
        ResolvedUser user = UserResolver.resolve(sc.build(), ImageProcessDefaults.empty(), rootfs);
        boolean cgroupV2 = Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"));
        HostFacts host = new HostFacts(CgroupDriver.CGROUPFS, cgroupV2, false, false, false, 0, HostFacts.jvmArch(),
                "node");
        SpecInputs in = new SpecInputs(id, config, Fixtures.pod().build(), sandbox, ImageProcessDefaults.empty(),
                "busybox", user, rootfs.toString(), 0);
        OciSpec spec = new SpecBuilder(host, new PosixHostFilesystem(), (i, s) -> {
            throw new AssertionError("no image volumes here");
        }).build(in);
        Files.write(bundle.resolve("config.json"), OciSpecJson.toBytes(spec));

        Result r = run(List.of(runc.toString(), "--root", tmp.resolve("state").toString(), "run", "--bundle",
                bundle.toString(), id), 60);

        assertThat(r.exit()).as(r.output()).isEqualTo(0);
        assertThat(r.output()).contains("uid=1234(app) gid=1234(app) groups=1234(app),2000(extra)");
        assertThat(r.output()).contains("web-0");
        assertThat(r.output()).contains("CapBnd:\t" + capMask(spec.process().capabilities().bounding()));
        // A non-root user keeps no effective capabilities across exec; bounding is what the spec limits.
        assertThat(r.output()).contains("CapEff:\t0000000000000000");
        // The pod's /dev/shm is bound in, and the container has its own PID namespace with sh as pid 1.
        assertThat(r.output()).contains("shm=pod-shm").contains("pid1=sh");
        if (!cgroupV2) {
            // Without a cgroup namespace the container sees where runc put it: under the test's parent.
            assertThat(r.output()).contains(":memory:" + cgroupParent + "/" + id);
        }
    }

    private static String capMask(List<String> caps) {
        long mask = 0;
        for (String c : caps) {
            mask |= 1L << Capabilities.ALL.indexOf(c);
        }
        return String.format("%016x", mask);
    }

    private static Path busyboxRootfs(Path rootfs) throws IOException {
        Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(BUSYBOX, rootfs.resolve("bin/busybox"));
        for (String applet : List.of("sh", "id", "hostname", "grep", "echo", "cat")) {
            Files.createSymbolicLink(rootfs.resolve("bin").resolve(applet), Path.of("busybox"));
        }
        for (String dir : List.of("etc", "proc", "sys", "dev", "tmp")) {
            Files.createDirectories(rootfs.resolve(dir));
        }
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/:/bin/sh\napp:x:1234:1234::/:/bin/sh\n");
        Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\napp:x:1234:\nextra:x:2000:app\n");
        return rootfs;
    }

    private static void waitUntilUnshared(String nsDir) throws Exception {
        String mine = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        for (int i = 0; i < 200; i++) {
            try {
                if (!Files.readSymbolicLink(Path.of(nsDir + "net")).toString().equals(mine)) {
                    return;
                }
            } catch (IOException e) {
                // not there yet
            }
            Thread.sleep(25);
        }
        throw new AssertionError("unshare did not create a network namespace");
    }

    private record Result(int exit, String output) {}

    private static Result run(List<String> cmd, int timeoutSeconds) throws Exception {
        Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish in " + timeoutSeconds + "s");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}

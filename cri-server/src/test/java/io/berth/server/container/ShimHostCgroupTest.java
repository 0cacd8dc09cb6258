package io.berth.server.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.berth.linux.Posix;
import io.berth.linux.cgroup.CgroupLayout;
import io.berth.linux.cgroup.CgroupMount;
import io.berth.linux.cgroup.CgroupMounts;
import io.berth.linux.cgroup.ProcessCgroups;
import io.berth.server.config.CgroupDriver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShimHostCgroupTest {
    private static final long LIMIT = 256L * 1024 * 1024;

    @TempDir
    Path tmp;

    /** rmdir(2) on cgroupfs removes a cgroup with its control files, but not one with child cgroups. */
    private static void fakeRmdir(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f)) {
                    Files.delete(f);
                }
            }
        }
        Files.delete(dir);
    }

    private CgroupMount mount(String name) throws IOException {
        Path point = tmp.resolve(name);
        Files.createDirectories(point);
        return new CgroupMount(point, "/");
    }

    /** memory, pids, cpu,cpuacct (one hierarchy), blkio and devices, as a legacy host mounts them. */
    private Map<String, CgroupMount> v1() throws IOException {
        Map<String, CgroupMount> v1 = new LinkedHashMap<>();
        v1.put("memory", mount("memory"));
        v1.put("pids", mount("pids"));
        CgroupMount cpu = mount("cpu,cpuacct");
        v1.put("cpu", cpu);
        v1.put("cpuacct", cpu);
        v1.put("devices", mount("devices"));
        return v1;
    }

    private CgroupMounts legacy() throws IOException {
        return new CgroupMounts(CgroupLayout.LEGACY, Optional.empty(), v1());
    }

    private CgroupMounts hybrid() throws IOException {
        return new CgroupMounts(CgroupLayout.HYBRID, Optional.of(mount("unified")), v1());
    }

    private CgroupMounts unified() throws IOException {
        CgroupMount root = mount("v2");
        Files.writeString(root.mountPoint().resolve("cgroup.controllers"), "cpuset cpu io memory hugetlb pids\n");
        Files.writeString(root.mountPoint().resolve("cgroup.subtree_control"), "\n");
        return new CgroupMounts(CgroupLayout.UNIFIED, Optional.of(root), Map.of());
    }

    private static ShimHostCgroup cgroup(CgroupDriver driver, long limit, CgroupMounts mounts) {
        return new ShimHostCgroup(driver, limit, () -> mounts, ShimHostCgroupTest::fakeRmdir);
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.US_ASCII);
    }

    @Test
    void cgroupfsOnLegacyHostUsesEveryAccountingHierarchy() throws IOException {
        cgroup(CgroupDriver.CGROUPFS, LIMIT, legacy()).place("node", 4242);

        Path memory = tmp.resolve("memory/berth-shim/node");
        assertThat(read(memory.resolve("memory.limit_in_bytes"))).isEqualTo("268435456");
        assertThat(read(memory.resolve("cgroup.procs"))).isEqualTo("4242");
        for (String hierarchy : List.of("pids", "cpu,cpuacct")) {
            Path dir = tmp.resolve(hierarchy).resolve("berth-shim/node");
            assertThat(read(dir.resolve("cgroup.procs"))).isEqualTo("4242");
            assertThat(dir.resolve("memory.limit_in_bytes")).doesNotExist();
        }
        assertThat(tmp.resolve("devices/berth-shim")).doesNotExist();
    }

    @Test
    void cgroupfsOnUnifiedHostEnablesControllersAndWritesMemoryMax() throws IOException {
        cgroup(CgroupDriver.CGROUPFS, LIMIT, unified()).place("pod-0123456789ab", 77);

        Path root = tmp.resolve("v2");
        assertThat(read(root.resolve("cgroup.subtree_control"))).isEqualTo("+memory +pids");
        assertThat(read(root.resolve("berth-shim/cgroup.subtree_control"))).isEqualTo("+memory +pids");
        Path dir = root.resolve("berth-shim/pod-0123456789ab");
        assertThat(read(dir.resolve("memory.max"))).isEqualTo("268435456");
        assertThat(read(dir.resolve("cgroup.procs"))).isEqualTo("77");
    }

    @Test
    void unifiedHostWithControllersAlreadyEnabledIsLeftAlone() throws IOException {
        CgroupMounts mounts = unified();
        Path root = tmp.resolve("v2");
        Files.writeString(root.resolve("cgroup.subtree_control"), "cpu memory pids\n");

        cgroup(CgroupDriver.CGROUPFS, LIMIT, mounts).place("node", 5);

        assertThat(read(root.resolve("cgroup.subtree_control"))).isEqualTo("cpu memory pids\n");
        assertThat(read(root.resolve("berth-shim/node/cgroup.procs"))).isEqualTo("5");
    }

    @Test
    void hybridHostLimitsInV1AndTracksInTheUnifiedTree() throws IOException {
        cgroup(CgroupDriver.CGROUPFS, LIMIT, hybrid()).place("ctr-0123456789ab", 99);

        Path memory = tmp.resolve("memory/berth-shim/ctr-0123456789ab");
        assertThat(read(memory.resolve("memory.limit_in_bytes"))).isEqualTo("268435456");
        assertThat(read(memory.resolve("cgroup.procs"))).isEqualTo("99");
        assertThat(read(tmp.resolve("pids/berth-shim/ctr-0123456789ab/cgroup.procs"))).isEqualTo("99");
        Path unified = tmp.resolve("unified/berth-shim/ctr-0123456789ab");
        assertThat(read(unified.resolve("cgroup.procs"))).isEqualTo("99");
        // The cgroup2 tree of a hybrid host has no memory controller: no limit, no subtree_control writes.
        assertThat(unified.resolve("memory.max")).doesNotExist();
        assertThat(tmp.resolve("unified/cgroup.subtree_control")).doesNotExist();
    }

    @Test
    void systemdDriverUsesAScopeInTheBerthShimSlice() throws IOException {
        ShimHostCgroup v1 = cgroup(CgroupDriver.SYSTEMD, LIMIT, hybrid());
        assertThat(v1.cgroupPath("node")).isEqualTo("/berth.slice/berth-shim.slice/berth-shim-node.scope");
        v1.place("node", 11);

        Path memory = tmp.resolve("memory/berth.slice/berth-shim.slice/berth-shim-node.scope");
        assertThat(read(memory.resolve("memory.limit_in_bytes"))).isEqualTo("268435456");
        assertThat(read(memory.resolve("cgroup.procs"))).isEqualTo("11");
        assertThat(read(tmp.resolve("unified/berth.slice/berth-shim.slice/berth-shim-node.scope/cgroup.procs")))
                .isEqualTo("11");
        assertThat(tmp.resolve("memory/berth-shim")).doesNotExist();
    }

    @Test
    void systemdDriverOnUnifiedHostEnablesControllersDownTheSlices() throws IOException {
        cgroup(CgroupDriver.SYSTEMD, LIMIT, unified()).place("pod-0123456789ab", 12);

        Path root = tmp.resolve("v2");
        assertThat(read(root.resolve("berth.slice/cgroup.subtree_control"))).isEqualTo("+memory +pids");
        assertThat(read(root.resolve("berth.slice/berth-shim.slice/cgroup.subtree_control")))
                .isEqualTo("+memory +pids");
        Path scope = root.resolve("berth.slice/berth-shim.slice/berth-shim-pod-0123456789ab.scope");
        assertThat(read(scope.resolve("memory.max"))).isEqualTo("268435456");
        assertThat(read(scope.resolve("cgroup.procs"))).isEqualTo("12");
    }

    @Test
    void noLimitWritesNoLimitFile() throws IOException {
        cgroup(CgroupDriver.CGROUPFS, 0, legacy()).place("node", 3);

        Path memory = tmp.resolve("memory/berth-shim/node");
        assertThat(read(memory.resolve("cgroup.procs"))).isEqualTo("3");
        assertThat(memory.resolve("memory.limit_in_bytes")).doesNotExist();
    }

    @Test
    void noLimitClearsALimitAnEarlierConfigurationLeft() throws IOException {
        CgroupMounts mounts = legacy();
        Path memory = tmp.resolve("memory/berth-shim/node");
        Files.createDirectories(memory);
        Files.writeString(memory.resolve("memory.limit_in_bytes"), "1048576");

        cgroup(CgroupDriver.CGROUPFS, 0, mounts).place("node", 3);

        assertThat(read(memory.resolve("memory.limit_in_bytes"))).isEqualTo("-1");
    }

    @Test
    void unsafeGroupNamesAreRefusedWithoutThrowing() throws IOException {
        ShimHostCgroup cgroup = cgroup(CgroupDriver.CGROUPFS, LIMIT, legacy());
        for (String bad : new String[] {"../evil", "a/b", "..", ".", "", "x..y", "sp ace", null}) {
            assertThatCode(() -> cgroup.place(bad, 10)).doesNotThrowAnyException();
        }
        assertThatCode(() -> cgroup.place("node", 0)).doesNotThrowAnyException();
        assertThat(tmp.resolve("memory/berth-shim")).doesNotExist();
        assertThat(tmp.resolve("evil")).doesNotExist();
    }

    @Test
    void failuresAreLoggedNotThrown() throws IOException {
        CgroupMounts mounts = legacy();
        // A file where the memory hierarchy's berth-shim directory should be: that hierarchy fails, others work.
        Files.writeString(tmp.resolve("memory/berth-shim"), "");
        ShimHostCgroup cgroup = cgroup(CgroupDriver.CGROUPFS, LIMIT, mounts);

        assertThatCode(() -> cgroup.place("node", 8)).doesNotThrowAnyException();
        assertThat(read(tmp.resolve("pids/berth-shim/node/cgroup.procs"))).isEqualTo("8");

        ShimHostCgroup noCgroupfs = new ShimHostCgroup(CgroupDriver.CGROUPFS, LIMIT, () -> {
            throw new IOException("no mountinfo");
        }, ShimHostCgroupTest::fakeRmdir);
        assertThatCode(() -> noCgroupfs.place("node", 8)).doesNotThrowAnyException();
        assertThatCode(() -> noCgroupfs.removeUnused(Set.of())).doesNotThrowAnyException();
    }

    @Test
    void removeUnusedRemovesOnlyEmptyCgroupsOfGoneHosts() throws IOException {
        ShimHostCgroup cgroup = cgroup(CgroupDriver.CGROUPFS, LIMIT, hybrid());
        cgroup.place("node", 1);
        cgroup.place("pod-aaaaaaaaaaaa", 2);
        cgroup.place("pod-bbbbbbbbbbbb", 3);
        // pod-a's host exited (its cgroups are empty); pod-b's host still runs but berthd no longer lists it.
        for (String h : List.of("memory", "pids", "cpu,cpuacct", "unified")) {
            Files.writeString(tmp.resolve(h).resolve("berth-shim/pod-aaaaaaaaaaaa/cgroup.procs"), "");
        }
        Files.createDirectories(tmp.resolve("memory/berth-shim/not a group!"));
        Files.createDirectories(tmp.resolve("pids/berth-shim/child-cgroups/sub"));

        cgroup.removeUnused(Set.of("node"));

        for (String h : List.of("memory", "pids", "cpu,cpuacct", "unified")) {
            Path parent = tmp.resolve(h).resolve("berth-shim");
            assertThat(parent.resolve("pod-aaaaaaaaaaaa")).doesNotExist();
            assertThat(parent.resolve("pod-bbbbbbbbbbbb")).isDirectory();
            assertThat(parent.resolve("node")).isDirectory();
        }
        assertThat(tmp.resolve("memory/berth-shim/not a group!")).isDirectory();
        assertThat(tmp.resolve("pids/berth-shim/child-cgroups")).isDirectory();
    }

    @Test
    void removeUnusedUnderSystemdLooksOnlyAtBerthScopes() throws IOException {
        ShimHostCgroup cgroup = cgroup(CgroupDriver.SYSTEMD, LIMIT, legacy());
        cgroup.place("ctr-0123456789ab", 2);
        Path slice = tmp.resolve("memory/berth.slice/berth-shim.slice");
        Files.writeString(slice.resolve("berth-shim-ctr-0123456789ab.scope/cgroup.procs"), "");
        Files.createDirectories(slice.resolve("other.scope"));

        cgroup.removeUnused(Set.of());

        assertThat(slice.resolve("berth-shim-ctr-0123456789ab.scope")).doesNotExist();
        assertThat(slice.resolve("other.scope")).isDirectory();
    }

    /** The real hierarchy of a legacy or hybrid host (needs root): a sleep process is placed and limited. */
    @Test
    void placesARealProcessOnAV1Host() throws Exception {
        Assumptions.assumeTrue(Posix.euid() == 0, "creating cgroups needs root");
        CgroupMounts mounts = CgroupMounts.read(Path.of("/proc"));
        Assumptions.assumeTrue(mounts.layout() != CgroupLayout.UNIFIED, "a host with v1 controllers");
        Assumptions.assumeTrue(mounts.controller("memory").isPresent(), "a v1 memory hierarchy");

        long limit = 64L * 1024 * 1024;
        String group = "test-" + UUID.randomUUID().toString().substring(0, 8);
        ShimHostCgroup cgroup = new ShimHostCgroup(CgroupDriver.CGROUPFS, limit, () -> mounts, Files::delete);
        // Every hierarchy the host may go in, and whether its berth-shim parent was there before.
        List<CgroupMount> all = new ArrayList<>();
        for (String c : ShimHostCgroup.V1_CONTROLLERS) {
            mounts.controller(c).filter(m -> !all.contains(m)).ifPresent(all::add);
        }
        mounts.unified().ifPresent(all::add);
        Map<CgroupMount, Boolean> parentExisted = new LinkedHashMap<>();
        for (CgroupMount m : all) {
            parentExisted.put(m, Files.isDirectory(m.dirOf(ShimHostCgroup.CGROUPFS_PARENT)));
        }

        Process child = new ProcessBuilder("sleep", "60").start();
        int pid = (int) child.pid();
        try {
            cgroup.place(group, pid);

            ProcessCgroups placed = ProcessCgroups.ofProcess(Path.of("/proc"), pid);
            assertThat(placed.v1Path("memory")).hasValueSatisfying(p -> assertThat(p).endsWith("berth-shim/" + group));
            Path memoryDir = mounts.controller("memory").orElseThrow().dirOf("/berth-shim/" + group);
            assertThat(read(memoryDir.resolve("memory.limit_in_bytes")).trim()).isEqualTo(Long.toString(limit));
            mounts.controller("pids").ifPresent(m ->
                    assertThat(placed.v1Path("pids")).hasValue("/berth-shim/" + group));

            child.destroyForcibly();
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            cgroup.removeUnused(Set.of());
            for (CgroupMount m : all) {
                assertThat(m.dirOf("/berth-shim/" + group)).doesNotExist();
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
            for (CgroupMount m : all) {
                Path dir = m.dirOf("/berth-shim/" + group);
                Files.deleteIfExists(dir);
                if (!parentExisted.get(m)) {
                    try {
                        Files.deleteIfExists(m.dirOf(ShimHostCgroup.CGROUPFS_PARENT));
                    } catch (IOException busy) {
                        // another test's cgroup is in there
                    }
                }
            }
        }
    }
}

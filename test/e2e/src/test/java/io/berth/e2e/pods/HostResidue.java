package io.berth.e2e.pods;

import io.berth.e2e.harness.HostCommands;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * What berth's pods and containers leave on the host, seen from outside berthd: mounts under its root and state
 * dir, cgroups below the class's cgroup parent, run dirs, snapshots, veths on the bridge, containers a shim
 * host still carries, and shim hosts other than the node's (a pod's or a container's host exits with its last
 * container).
 * Two readings are equal when nothing was added or removed between them: how the bad-input tests prove that a
 * refused request left nothing.
 */
public record HostResidue(List<String> mounts, List<String> cgroups, List<String> runDirs, List<String> snapshots,
        List<String> vethsOnBridge, List<String> containerShims) {

    private static final String SHIM_MAIN = "io.berth.shim.ShimMain";

    public static HostResidue of(PodTestbed testbed) {
        Path root = testbed.berthd().root();
        Path state = testbed.berthd().state();
        return new HostResidue(
                mountpointsUnder(root, state),
                cgroupsBelow(testbed.cgroupParent()),
                runDirs(state),
                snapshots(root),
                veths(testbed.bridge()),
                containerShims(testbed.berthd().dir().path(), state));
    }

    /** Waits until no shim host carries a container and every pod or container host has exited. */
    public static void awaitNoContainerShims(Path berthdDir, Path state) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(containerShims(berthdDir, state)).as("containers in shim hosts, and their hosts").isEmpty());
    }

    /** Reads again until the host is back to {@code before}: a refused request must add nothing to the host. */
    public static void awaitSameAs(HostResidue before, PodTestbed testbed, String after) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(of(testbed)).as("host state after %s", after).isEqualTo(before));
    }

    public static List<String> mountpointsUnder(Path... dirs) {
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(line -> line.split(" ")[4])
                    .filter(mountpoint -> Stream.of(dirs).anyMatch(d -> Path.of(mountpoint).startsWith(d)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Mount points of every cgroup hierarchy (v1 controllers and the unified v2 one of a hybrid host). */
    public static List<Path> cgroupMounts() {
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .filter(line -> line.contains(" - cgroup ") || line.contains(" - cgroup2 "))
                    .map(line -> Path.of(line.split(" ")[4]))
                    .distinct()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<String> cgroupsBelow(String parent) {
        List<String> found = new ArrayList<>();
        for (Path mount : cgroupMounts()) {
            Path top = mount.resolve(parent.substring(1));
            if (!Files.isDirectory(top)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(top)) {
                walk.filter(p -> !p.equals(top) && Files.isDirectory(p)).map(Path::toString).forEach(found::add);
            } catch (NoSuchFileException raced) {
                // A cgroup removed while we walked: that is what we hope for.
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return found.stream().sorted().toList();
    }

    /** rmdir of the parent and everything below it, deepest first; a cgroup with live processes stays. */
    public static void removeCgroupTree(String parent) {
        for (Path mount : cgroupMounts()) {
            Path top = mount.resolve(parent.substring(1));
            if (!Files.isDirectory(top)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(top)) {
                for (Path dir : walk.filter(Files::isDirectory)
                        .sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList()) {
                    Files.deleteIfExists(dir);
                }
            } catch (IOException e) {
                System.err.println("could not remove cgroup " + top + ": " + e);
            }
        }
    }

    public static List<String> runDirs(Path state) {
        List<String> out = new ArrayList<>();
        for (String kind : List.of("containers", "sandboxes")) {
            Path dir = state.resolve(kind);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> entries = Files.list(dir)) {
                entries.map(Path::toString).forEach(out::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out.stream().sorted().toList();
    }

    /** Snapshot dirs (numbered) and half-made ones ({@code .staging-N}) of berthd's snapshotter. */
    public static List<String> snapshots(Path root) {
        Path dir = root.resolve("snapshots");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<String> veths(String bridge) {
        return HostCommands.run("ip", "-o", "link", "show", "master", bridge).lines()
                .filter(line -> line.contains("bv"))
                .map(line -> line.split(":")[1].trim())
                .sorted()
                .toList();
    }

    /**
     * The containers a shim host of this berthd carries (a host writes {@code host} into a run dir at create and
     * removes it at delete), and the hosts that should have exited: every host but the node's.
     */
    public static List<String> containerShims(Path berthdDir, Path state) {
        List<String> carried = new java.util.ArrayList<>();
        for (String kind : List.of("containers", "sandboxes")) {
            Path dir = state.resolve(kind);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(dir, 3)) {
                files.filter(f -> f.getFileName().toString().equals("host") && Files.isRegularFile(f))
                        .map(f -> "carried: " + state.relativize(f.getParent())).forEach(carried::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        shimProcesses(berthdDir).stream()
                .filter(pid -> !cmdlineOf(pid).contains("\0--group\0node"))
                .map(pid -> "host " + pid + " " + cmdlineOf(pid).replace('\0', ' '))
                .forEach(carried::add);
        return carried.stream().sorted().toList();
    }

    /** Every shim host process of this berthd, by pid. */
    public static List<Long> shimProcesses(Path berthdDir) {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.map(p -> p.getFileName().toString())
                    .filter(name -> name.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong)
                    .filter(pid -> {
                        String cmdline = cmdlineOf(pid);
                        return cmdline.contains(SHIM_MAIN) && cmdline.contains(berthdDir.toString());
                    })
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String cmdlineOf(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    StandardCharsets.UTF_8);
        } catch (IOException gone) {
            return "";
        }
    }

    /** After berthd stopped: SIGKILL, by pid, to any shim host of it still running. */
    public static void killContainerShims(Path berthdDir) {
        for (long pid : shimProcesses(berthdDir)) {
            HostCommands.kill9(pid);
        }
    }

    /** {@code <runtime> --root <dir> delete --force} for every container the runtime still has in berthd's roots. */
    public static void deleteRuntimeContainers(Path runtimeRoots) {
        for (String runtime : List.of("runc", "crun")) {
            Path root = runtimeRoots.resolve(runtime);
            if (!Files.isDirectory(root)) {
                continue;
            }
            for (String id : HostCommands.run(runtime, "--root", root.toString(), "list", "-q").lines()
                    .map(String::trim).filter(id -> id.matches("[0-9a-f]{64}")).toList()) {
                HostCommands.run(runtime, "--root", root.toString(), "delete", "--force", id);
            }
        }
    }
}

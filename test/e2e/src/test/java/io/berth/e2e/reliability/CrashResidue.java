package io.berth.e2e.reliability;

import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.HostCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Everything of berth's objects that a crash could strand on the host, read from outside berthd: mounts under its
 * root and state dir (rootfs, /dev/shm, pinned namespaces), cgroups below the class's parent, container and sandbox
 * run dirs, veths on the bridge, containers the OCI runtime still knows, containers a shim host still carries,
 * snapshots, and blobs and ingest files of the content store. Two readings are equal when nothing was added or
 * left between them.
 */
record CrashResidue(List<String> mounts, List<String> cgroups, List<String> runDirs, List<String> veths,
        List<String> runtimeContainers, List<String> carriedByShims, List<String> snapshots, List<String> blobs,
        List<String> ingest) {

    static CrashResidue of(BerthdProcess berthd, String bridge, String cgroupParent) {
        Path root = berthd.root();
        Path state = berthd.state();
        return new CrashResidue(
                mountpointsUnder(root, state),
                cgroupsBelow(cgroupParent),
                names(state.resolve("containers"), state.resolve("sandboxes")),
                veths(bridge),
                runtimeContainers(state),
                carriedByShims(state),
                names(root.resolve("snapshots")),
                names(root.resolve("content/blobs/sha256")),
                names(root.resolve("content/ingest")));
    }

    private static List<String> mountpointsUnder(Path... dirs) {
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

    /** Mount points of every cgroup hierarchy (v1 controllers and the unified v2 one). */
    private static List<Path> cgroupMounts() {
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

    private static List<String> cgroupsBelow(String parent) {
        List<String> found = new ArrayList<>();
        for (Path mount : cgroupMounts()) {
            Path top = mount.resolve(parent.substring(1));
            if (!Files.isDirectory(top)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(top)) {
                walk.filter(p -> !p.equals(top) && Files.isDirectory(p)).map(Path::toString).forEach(found::add);
            } catch (NoSuchFileException raced) {
                // Removed while we walked: that is what we hope for.
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return found.stream().sorted().toList();
    }

    /** rmdir of the parent and everything below it, deepest first; a cgroup with live processes stays. */
    static void removeCgroupTree(String parent) {
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

    private static List<String> veths(String bridge) {
        return HostCommands.run("ip", "-o", "link", "show", "master", bridge).lines()
                .filter(line -> line.contains("bv"))
                .map(line -> line.split(":")[1].trim())
                .sorted()
                .toList();
    }

    /** {@code <handler>/<id>} for every container in the runtimes' roots of this berthd. */
    private static List<String> runtimeContainers(Path state) {
        List<String> out = new ArrayList<>();
        for (String handler : entries(state.resolve("runtime"))) {
            entries(state.resolve("runtime").resolve(handler)).forEach(id -> out.add(handler + "/" + id));
        }
        return out.stream().sorted().toList();
    }

    /** Run dirs a shim host serves: a host writes {@code host} into a run dir at create and removes it at delete. */
    private static List<String> carriedByShims(Path state) {
        List<String> carried = new ArrayList<>();
        for (String kind : List.of("containers", "sandboxes")) {
            Path dir = state.resolve(kind);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(dir, 3)) {
                files.filter(f -> f.getFileName().toString().equals("host") && Files.isRegularFile(f))
                        .map(f -> state.relativize(f.getParent()).toString()).forEach(carried::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return carried.stream().sorted().toList();
    }

    /** After a failed test: {@code <runtime> delete --force} of every container left in berthd's runtime roots. */
    static void deleteRuntimeContainers(Path state) {
        for (String entry : runtimeContainers(state)) {
            String[] handlerAndId = entry.split("/");
            HostCommands.run(handlerAndId[0], "--root", state.resolve("runtime").resolve(handlerAndId[0]).toString(),
                    "delete", "--force", handlerAndId[1]);
        }
    }

    /** {@code <dir name>/<entry>} for every entry of {@code dirs}. */
    private static List<String> names(Path... dirs) {
        List<String> out = new ArrayList<>();
        for (Path dir : dirs) {
            entries(dir).forEach(name -> out.add(dir.getFileName() + "/" + name));
        }
        return out.stream().sorted().toList();
    }

    private static List<String> entries(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

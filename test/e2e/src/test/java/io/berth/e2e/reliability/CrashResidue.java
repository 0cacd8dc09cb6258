package io.berth.e2e.reliability;

import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.HostCommands;
import io.berth.e2e.pods.HostResidue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
                HostResidue.mountpointsUnder(root, state),
                HostResidue.cgroupsBelow(cgroupParent),
                names(state.resolve("containers"), state.resolve("sandboxes")),
                HostResidue.veths(bridge),
                runtimeContainers(state),
                carriedByShims(state),
                names(root.resolve("snapshots")),
                names(root.resolve("content/blobs/sha256")),
                names(root.resolve("content/ingest")));
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

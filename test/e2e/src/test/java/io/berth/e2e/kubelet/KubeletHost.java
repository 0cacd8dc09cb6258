package io.berth.e2e.kubelet;

import io.berth.cri.v1.ContainerFilter;
import io.berth.cri.v1.ListContainersRequest;
import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.PodSandbox;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.StopPodSandboxRequest;
import io.berth.e2e.harness.CriClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What one kubelet instance uses on the host outside its temp dir, and its removal: a cgroup root of its own
 * (created in every cgroup v1 hierarchy of this hybrid host), the device plugin dir kubelet puts under
 * /var/lib/kubelet whatever its root dir, and the pods it ran on the runtime.
 */
final class KubeletHost implements AutoCloseable {
    private static final Path CGROUP_FS = Path.of("/sys/fs/cgroup");

    /**
     * kubelet's device manager puts its socket in /var/lib/kubelet/device-plugins whatever --root-dir says (a
     * path fixed in the device plugin API); if that dir was not there before, it goes again on close.
     */
    private static final Path FIXED_DEVICE_PLUGIN_ROOT = Path.of("/var/lib/kubelet");

    private final String cgroupRoot;
    private final List<Path> cgroupDirs;
    private final boolean madeDevicePluginRoot = !Files.exists(FIXED_DEVICE_PLUGIN_ROOT);

    private KubeletHost(String cgroupRoot, List<Path> cgroupDirs) {
        this.cgroupRoot = cgroupRoot;
        this.cgroupDirs = cgroupDirs;
    }

    /** Creates a cgroup root of a random name in every cgroup v1 hierarchy, before kubelet starts. */
    static KubeletHost claim() throws IOException {
        String cgroupRoot = "/berth-kubelet-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        List<Path> cgroupDirs = new ArrayList<>();
        try {
            createCgroupRoot(cgroupRoot, cgroupDirs);
        } catch (IOException | RuntimeException e) {
            try {
                removeCgroups(cgroupDirs);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        // kubelet's libcontainer also makes its cgroups in the (empty) v2 tree of this hybrid host.
        cgroupDirs.add(CGROUP_FS.resolve("unified").resolve(cgroupRoot.substring(1)));
        return new KubeletHost(cgroupRoot, cgroupDirs);
    }

    /** kubelet's cgroupRoot, as its config names it: {@code /berth-kubelet-<hex>}. */
    String cgroupRoot() {
        return cgroupRoot;
    }

    /** The pod cgroups ({@code pod<uid>} dirs) kubelet has made below its cgroup root, in any hierarchy. */
    List<Path> podCgroups() throws IOException {
        List<Path> pods = new ArrayList<>();
        for (Path root : cgroupDirs) {
            if (Files.exists(root)) {
                try (Stream<Path> walk = Files.walk(root)) {
                    walk.filter(Files::isDirectory).filter(p -> p.getFileName().toString().startsWith("pod"))
                            .forEach(pods::add);
                }
            }
        }
        return pods;
    }

    /** Removes the cgroups, then the device plugin dir if kubelet made it; kubelet must be stopped. */
    @Override
    public void close() {
        RuntimeException failure = null;
        try {
            removeCgroups(cgroupDirs);
        } catch (RuntimeException e) {
            failure = e;
        }
        if (madeDevicePluginRoot) {
            try {
                Files.deleteIfExists(FIXED_DEVICE_PLUGIN_ROOT.resolve("device-plugins/kubelet.sock"));
                Files.deleteIfExists(FIXED_DEVICE_PLUGIN_ROOT.resolve("device-plugins"));
                Files.deleteIfExists(FIXED_DEVICE_PLUGIN_ROOT);
            } catch (IOException e) {
                failure = KubeletProcess.addTo(failure, new UncheckedIOException(e));
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Stops and removes every sandbox (and so every container) of the runtime: it is this test's own. */
    static void removeAllPods(Path socket) {
        if (!Files.exists(socket)) {
            return;
        }
        try (CriClient cri = CriClient.connect(socket)) {
            for (PodSandbox pod : cri.runtime().withDeadlineAfter(60, TimeUnit.SECONDS)
                    .listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
                cri.runtime().withDeadlineAfter(120, TimeUnit.SECONDS)
                        .stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod.getId()).build());
                cri.runtime().withDeadlineAfter(120, TimeUnit.SECONDS)
                        .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod.getId()).build());
            }
            int left = cri.runtime().listContainers(ListContainersRequest.newBuilder()
                    .setFilter(ContainerFilter.getDefaultInstance()).build()).getContainersCount();
            if (left != 0) {
                throw new IllegalStateException(left + " containers left after removing every pod sandbox");
            }
        }
    }

    /**
     * kubelet requires its cgroupRoot to exist in every hierarchy it uses; it is made in each cgroup v1 hierarchy
     * mounted under /sys/fs/cgroup (not the empty v2 "unified" one, which a v1 cgroupfs manager does not use). The
     * cpuset copy starts empty: kubelet's libcontainer fills it from its parent when it creates kubepods below.
     */
    private static void createCgroupRoot(String cgroupRoot, List<Path> made) throws IOException {
        try (Stream<Path> hierarchies = Files.list(CGROUP_FS)) {
            for (Path hierarchy : hierarchies.filter(Files::isDirectory).sorted().toList()) {
                if (hierarchy.getFileName().toString().equals("unified")
                        || !Files.exists(hierarchy.resolve("cgroup.procs"))) {
                    continue;
                }
                Path dir = hierarchy.resolve(cgroupRoot.substring(1));
                Files.createDirectory(dir);
                made.add(dir);
            }
        }
    }

    /** rmdir, deepest first: a cgroup dir goes only when no process and no child is left in it. */
    private static void removeCgroups(List<Path> roots) {
        List<String> busy = new ArrayList<>();
        for (Path root : roots) {
            if (!Files.exists(root)) {
                continue;
            }
            List<Path> dirs;
            try (Stream<Path> walk = Files.walk(root)) {
                dirs = walk.filter(Files::isDirectory).sorted(Comparator.comparingInt(Path::getNameCount).reversed())
                        .toList();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            for (Path d : dirs) {
                try {
                    Files.delete(d);
                } catch (IOException e) {
                    busy.add(d + " (" + e + ")");
                }
            }
        }
        if (!busy.isEmpty()) {
            throw new IllegalStateException("cgroups left behind: " + busy);
        }
    }
}

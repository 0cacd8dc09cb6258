package io.berth.server.container;

import io.berth.linux.cgroup.CgroupLayout;
import io.berth.linux.cgroup.CgroupMount;
import io.berth.linux.cgroup.CgroupMounts;
import io.berth.server.config.BerthConfig;
import io.berth.server.config.CgroupDriver;
import io.berth.server.container.spec.CgroupsPath;
import io.berth.shim.client.HostCgroup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Puts each shim host in a cgroup of its own, with the configured memory limit, by writing cgroupfs directly
 * (berth does not talk to systemd over D-Bus; runc's systemd driver does that for containers).
 *
 * <ul>
 *   <li>cgroupfs driver: {@code /berth-shim/<group>};
 *   <li>systemd driver: {@code /berth.slice/berth-shim.slice/berth-shim-<group>.scope}, the directories systemd
 *       itself would use for a scope in {@code berth-shim.slice} (see {@link CgroupsPath#podDir}).
 * </ul>
 *
 * That path is used in every v1 hierarchy of {@link #V1_CONTROLLERS} on legacy and hybrid hosts (the memory
 * hierarchy carries the limit, {@code memory.limit_in_bytes}), and in the cgroup2 tree on a unified host
 * ({@code memory.max}, with {@code +memory +pids} enabled down the path). On a hybrid host the host is also put
 * in the same path of the controller-less cgroup2 tree when that is writable, so process tracking agrees.
 * Nothing here throws: a host that cannot be placed runs on in berthd's cgroup and a warning says why.
 */
public final class ShimHostCgroup implements HostCgroup {
    private static final Logger LOG = Logger.getLogger(ShimHostCgroup.class.getName());

    /** The parent of the hosts' cgroups under the cgroupfs driver. */
    static final String CGROUPFS_PARENT = "/berth-shim";
    /** The slice of the hosts' scopes under the systemd driver. */
    static final String SLICE = "berth-shim.slice";
    static final String SCOPE_PREFIX = "berth-shim-";
    static final String SCOPE_SUFFIX = ".scope";
    /** The v1 hierarchies a host moves in: those berthd's container cgroups are accounted in. */
    static final List<String> V1_CONTROLLERS = List.of("memory", "pids", "cpu", "cpuacct", "blkio");
    /** The cgroup2 controllers enabled down to a host's cgroup on a unified host. */
    static final List<String> V2_CONTROLLERS = List.of("memory", "pids");
    /** Group names are berth's own ("node", "pod-<12 hex>", "ctr-<12 hex>"); anything else is refused. */
    private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9_.-]{1,128}");

    /** Reads the host's cgroup mounts; tests hand in a fake tree. */
    @FunctionalInterface
    interface MountDetector {
        CgroupMounts detect() throws IOException;
    }

    /** Removes an empty cgroup directory (rmdir(2) on cgroupfs; tests clear a fake directory first). */
    @FunctionalInterface
    interface CgroupRemover {
        void remove(Path dir) throws IOException;
    }

    /** One hierarchy a host is placed in. */
    private record Hierarchy(List<String> controllers, CgroupMount mount, boolean v2, boolean required) {
        String name() {
            return v2 ? "cgroup2" : String.join(",", controllers);
        }
    }

    private final CgroupDriver driver;
    private final long memoryLimitBytes;
    private final MountDetector detector;
    private final CgroupRemover remover;
    private CgroupMounts mounts;

    public ShimHostCgroup(BerthConfig config) {
        this(config.cgroupDriver(), config.shim().memoryLimitBytes(), () -> CgroupMounts.read(Path.of("/proc")),
                Files::delete);
    }

    ShimHostCgroup(CgroupDriver driver, long memoryLimitBytes, MountDetector detector, CgroupRemover remover) {
        this.driver = driver;
        this.memoryLimitBytes = memoryLimitBytes;
        this.detector = detector;
        this.remover = remover;
    }

    /** The cgroup of {@code group}'s host as {@code /proc/<pid>/cgroup} shows it. */
    String cgroupPath(String group) {
        return parentPath() + "/" + leafName(group);
    }

    /** Where the hosts' cgroups are: {@code /berth-shim} or {@code /berth.slice/berth-shim.slice}. */
    String parentPath() {
        return driver == CgroupDriver.SYSTEMD ? CgroupsPath.podDir(CgroupDriver.SYSTEMD, SLICE) : CGROUPFS_PARENT;
    }

    private String leafName(String group) {
        return driver == CgroupDriver.SYSTEMD ? SCOPE_PREFIX + group + SCOPE_SUFFIX : group;
    }

    /** The group whose cgroup directory is named {@code leaf}, or null for a directory berth did not name. */
    private String groupOf(String leaf) {
        String group = leaf;
        if (driver == CgroupDriver.SYSTEMD) {
            if (!leaf.startsWith(SCOPE_PREFIX) || !leaf.endsWith(SCOPE_SUFFIX)) {
                return null;
            }
            group = leaf.substring(SCOPE_PREFIX.length(), leaf.length() - SCOPE_SUFFIX.length());
        }
        return badGroup(group) == null ? group : null;
    }

    static String badGroup(String group) {
        if (group == null || !GROUP.matcher(group).matches()) {
            return "group name must be 1-128 of [A-Za-z0-9_.-]";
        }
        if (group.contains("..") || group.equals(".")) {
            return "group name must not be '.' or contain '..'";
        }
        return null;
    }

    @Override
    public synchronized void place(String group, int pid) {
        String where = "shim host " + group + " (pid " + pid + ")";
        try {
            String bad = badGroup(group);
            if (bad != null || pid <= 0) {
                LOG.warning(where + " stays in berthd's cgroup: " + (bad != null ? bad : "no valid pid"));
                return;
            }
            String path = cgroupPath(group);
            List<String> placed = new ArrayList<>();
            List<String> failed = new ArrayList<>();
            List<Hierarchy> hierarchies = hierarchies();
            for (Hierarchy h : hierarchies) {
                try {
                    placeIn(h, path, pid);
                    placed.add(h.name());
                } catch (IOException | RuntimeException e) {
                    if (h.required()) {
                        failed.add(h.name() + ": " + describe(e));
                    } else {
                        LOG.fine(where + " not placed in the " + h.name() + " tree (optional): " + describe(e));
                    }
                }
            }
            String limit = memoryLimitBytes > 0 ? "memory limit " + memoryLimitBytes + " bytes" : "no memory limit";
            if (hierarchies.isEmpty()) {
                LOG.warning(where + " stays in berthd's cgroup: no memory, pids or cpu cgroup hierarchy is mounted");
            } else if (failed.isEmpty()) {
                LOG.info(where + " placed in cgroup " + path + " (" + String.join(", ", placed) + "), " + limit);
            } else {
                LOG.warning(where + " not fully placed in cgroup " + path + "; it stays in berthd's cgroup for "
                        + String.join("; ", failed) + (placed.isEmpty() ? "" : " (placed in " + String.join(", ", placed)
                        + ")"));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warning(where + " stays in berthd's cgroup: " + describe(e));
        }
    }

    /**
     * Removes the cgroups of hosts whose group is not in {@code liveGroups} and that hold no process. Only
     * empty directories go (rmdir); a busy or non-empty one, or one berth did not name, stays.
     */
    @Override
    public synchronized void removeUnused(Set<String> liveGroups) {
        Set<String> live = liveGroups == null ? Set.of() : liveGroups;
        try {
            for (Hierarchy h : hierarchies()) {
                Path parent = h.mount().dirOf(parentPath());
                if (!Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                List<Path> unused = new ArrayList<>();
                try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parent)) {
                    for (Path dir : dirs) {
                        String group = groupOf(dir.getFileName().toString());
                        if (group != null && !live.contains(group)
                                && Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                            unused.add(dir);
                        }
                    }
                }
                for (Path dir : unused) {
                    try {
                        if (hasProcesses(dir)) {
                            LOG.fine("shim cgroup " + dir + " still holds processes; kept");
                            continue;
                        }
                        remover.remove(dir);
                        LOG.fine("removed unused shim cgroup " + dir);
                    } catch (IOException | RuntimeException e) {
                        // EBUSY (a process moved in meanwhile), ENOTEMPTY (child cgroups), already gone: keep.
                        LOG.fine("shim cgroup " + dir + " kept: " + describe(e));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warning("unused shim host cgroups not removed: " + describe(e));
        }
    }

    private CgroupMounts mounts() throws IOException {
        if (mounts == null) {
            mounts = detector.detect();
        }
        return mounts;
    }

    /** The hierarchies a host goes in, v1 ones deduplicated by mount (cpu,cpuacct is often one). */
    private List<Hierarchy> hierarchies() throws IOException {
        CgroupMounts found = mounts();
        List<Hierarchy> out = new ArrayList<>();
        if (found.layout() == CgroupLayout.UNIFIED) {
            found.unified().ifPresent(m -> out.add(new Hierarchy(List.of(), m, true, true)));
            return out;
        }
        Map<Path, List<String>> byMount = new LinkedHashMap<>();
        Map<Path, CgroupMount> mountsByPoint = new LinkedHashMap<>();
        for (String controller : V1_CONTROLLERS) {
            Optional<CgroupMount> mount = found.controller(controller);
            if (mount.isPresent()) {
                byMount.computeIfAbsent(mount.get().mountPoint(), p -> new ArrayList<>()).add(controller);
                mountsByPoint.putIfAbsent(mount.get().mountPoint(), mount.get());
            }
        }
        byMount.forEach((point, controllers) ->
                out.add(new Hierarchy(controllers, mountsByPoint.get(point), false, true)));
        if (found.layout() == CgroupLayout.HYBRID) {
            // systemd's process-tracking tree: no controllers, so no limit, but placing keeps it consistent.
            found.unified().ifPresent(m -> out.add(new Hierarchy(List.of(), m, true, false)));
        }
        return out;
    }

    private void placeIn(Hierarchy h, String path, int pid) throws IOException {
        CgroupMount mount = h.mount();
        boolean memory = !h.v2() && h.controllers().contains("memory");
        boolean v2Limits = h.v2() && h.required();
        if (v2Limits) {
            // Enable the controllers on every level above the host's cgroup, root first.
            String parent = "";
            enableControllers(mount.dirOf("/"));
            for (String part : path.substring(1, path.lastIndexOf('/')).split("/")) {
                parent += "/" + part;
                Path dir = mount.dirOf(parent);
                Files.createDirectories(dir);
                enableControllers(dir);
            }
        }
        Path dir = mount.dirOf(path);
        Files.createDirectories(dir);
        if (memory) {
            setLimit(dir.resolve("memory.limit_in_bytes"), "-1");
        } else if (v2Limits) {
            setLimit(dir.resolve("memory.max"), "max");
        }
        write(dir.resolve("cgroup.procs"), Integer.toString(pid));
    }

    /** Writes the configured limit; with none configured, clears a limit an earlier configuration left. */
    private void setLimit(Path file, String unlimited) throws IOException {
        if (memoryLimitBytes > 0) {
            write(file, Long.toString(memoryLimitBytes));
        } else if (Files.exists(file)) {
            write(file, unlimited);
        }
    }

    /**
     * Enables {@link #V2_CONTROLLERS} in {@code dir}'s {@code cgroup.subtree_control}, those it offers
     * ({@code cgroup.controllers}) and has not enabled yet. One write for all, else one per controller so that
     * one refused controller does not cost the others; refusals are left to show when the limit is written.
     */
    private static void enableControllers(Path dir) {
        try {
            Optional<Set<String>> offered = words(dir.resolve("cgroup.controllers"));
            Set<String> enabled = words(dir.resolve("cgroup.subtree_control")).orElse(Set.of());
            List<String> wanted = new ArrayList<>();
            for (String c : V2_CONTROLLERS) {
                if (!enabled.contains(c) && offered.map(o -> o.contains(c)).orElse(true)) {
                    wanted.add("+" + c);
                }
            }
            if (wanted.isEmpty()) {
                return;
            }
            Path control = dir.resolve("cgroup.subtree_control");
            try {
                write(control, String.join(" ", wanted));
            } catch (IOException all) {
                for (String c : wanted) {
                    try {
                        write(control, c);
                    } catch (IOException one) {
                        LOG.fine("cannot enable " + c + " in " + control + ": " + describe(one));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.fine("cannot enable controllers in " + dir + ": " + describe(e));
        }
    }

    private static Optional<Set<String>> words(Path file) throws IOException {
        try {
            String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
            Set<String> words = new HashSet<>();
            for (String w : text.split("\\s+")) {
                if (!w.isEmpty()) {
                    words.add(w.startsWith("+") ? w.substring(1) : w);
                }
            }
            return Optional.of(words);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private static boolean hasProcesses(Path dir) throws IOException {
        try {
            return !Files.readString(dir.resolve("cgroup.procs"), StandardCharsets.US_ASCII).isBlank();
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** One write of a control file; a control file that is not there means its controller is not available. */
    private static void write(Path file, String value) throws IOException {
        boolean existed = Files.exists(file);
        try {
            Files.writeString(file, value, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            if (!existed) {
                throw new IOException(file + " does not exist (controller not available there)", e);
            }
            throw e;
        }
    }

    private static String describe(Throwable e) {
        if (e instanceof FileSystemException fs) {
            return fs.getFile() + ": " + (fs.getReason() != null ? fs.getReason() : e.getClass().getSimpleName());
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

}

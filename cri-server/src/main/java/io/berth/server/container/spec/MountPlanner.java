package io.berth.server.container.spec;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.NotFoundException;
import io.berth.common.validate.Require;
import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.IDMapping;
import io.berth.cri.v1.Mount;
import io.berth.cri.v1.MountPropagation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The mounts of a container: the runtime's default filesystems, the sandbox's shared files, then the CRI mounts,
 * with a CRI mount replacing any default or sandbox mount at the same destination (a CRI {@code /dev} replaces
 * everything below it too), ordered so that a parent is mounted before its children.
 */
public final class MountPlanner {
    private static final List<String> REQUESTABLE_OPTIONS = List.of("noexec", "nodev", "nosuid");

    public record Plan(List<OciSpec.Mount> mounts, String rootfsPropagation) {}

    private final HostFacts host;
    private final HostFilesystem fs;
    private final ImageVolumes imageVolumes;

    public MountPlanner(HostFacts host, HostFilesystem fs, ImageVolumes imageVolumes) {
        this.host = host;
        this.fs = fs;
        this.imageVolumes = imageVolumes;
    }

    /** One mount to add, from the request (with its field name for errors) or from the sandbox. */
    private record Wanted(String destination, Mount mount, String field) {}

    public Plan plan(ContainerConfig config, SandboxFacts sandbox, boolean privileged, boolean readonlyRootfs,
            boolean hostIpc) {
        List<Wanted> wanted = new ArrayList<>();
        Set<String> requested = new HashSet<>();
        for (int i = 0; i < config.getMountsCount(); i++) {
            String field = "config.mounts[" + i + "]";
            Mount m = config.getMounts(i);
            String dst = ContainerPaths.cleanAbsolute(m.getContainerPath(), field + ".container_path");
            if (dst.equals("/")) {
                throw new InvalidArgumentException(field + ".container_path: cannot mount over the root filesystem");
            }
            if (!requested.add(dst)) {
                throw new InvalidArgumentException(field + ".container_path: '" + dst + "' is mounted twice");
            }
            wanted.add(new Wanted(dst, m, field));
        }
        addSandboxFile(wanted, requested, "/etc/hostname", sandbox.hostnamePath(), readonlyRootfs);
        addSandboxFile(wanted, requested, "/etc/hosts", sandbox.hostsPath(), readonlyRootfs);
        addSandboxFile(wanted, requested, "/etc/resolv.conf", sandbox.resolvConfPath(), readonlyRootfs);
        if (!requested.contains("/dev/shm") && !requested.contains("/dev")) {
            String shm = hostIpc ? "/dev/shm" : sandbox.shmPath();
            if (shm.isEmpty() || !fs.exists(shm)) {
                throw new FailedPreconditionException("sandbox " + sandbox.podId() + ": its /dev/shm '" + shm
                        + "' is missing; the pod's shared memory cannot be joined");
            }
            wanted.add(new Wanted("/dev/shm", Mount.newBuilder().setHostPath(shm).build(), "sandbox /dev/shm"));
        }

        // Stable by depth: equal-depth mounts keep the request's order, parents precede their children.
        wanted.sort(Comparator.comparingInt(w -> ContainerPaths.depth(w.destination())));

        List<OciSpec.Mount> mounts = new ArrayList<>();
        Set<String> covered = new HashSet<>();
        wanted.forEach(w -> covered.add(w.destination()));
        for (OciSpec.Mount d : defaults(privileged)) {
            boolean underDev = covered.contains("/dev") && d.destination().startsWith("/dev/");
            if (!covered.contains(d.destination()) && !underDev) {
                mounts.add(d);
            }
        }
        String propagation = null;
        for (Wanted w : wanted) {
            MountPropagation p = w.mount().getPropagation();
            if (p == MountPropagation.PROPAGATION_BIDIRECTIONAL) {
                propagation = "rshared";
            } else if (p == MountPropagation.PROPAGATION_HOST_TO_CONTAINER && !"rshared".equals(propagation)) {
                // The rootfs must be at least a slave for host mounts to reach the bind mount below it.
                propagation = "rslave";
            }
            mounts.add(bind(w));
        }
        return new Plan(List.copyOf(mounts), propagation);
    }

    private void addSandboxFile(List<Wanted> wanted, Set<String> requested, String dst, String hostPath,
            boolean readonly) {
        // Like containerd: a sandbox file that was never written (e.g. no DNS config) is simply not mounted.
        if (!requested.contains(dst) && !hostPath.isEmpty() && fs.exists(hostPath)) {
            wanted.add(new Wanted(dst, Mount.newBuilder().setHostPath(hostPath).setReadonly(readonly).build(),
                    "sandbox " + dst));
        }
    }

    private OciSpec.Mount bind(Wanted w) {
        Mount m = w.mount();
        String field = w.field();
        if (m.hasImage() && !m.getImage().getImage().isEmpty()) {
            if (!m.getHostPath().isEmpty()) {
                throw new InvalidArgumentException(field + ": host_path and image are mutually exclusive");
            }
            String sub = ContainerPaths.checkedRelative(m.getImageSubPath(), field + ".image_sub_path");
            String src = imageVolumes.hostPath(m.getImage(), sub);
            // An image volume is data, read-only by definition; setuid files and device nodes in it stay inert.
            if (!m.getReadonly()) {
                throw new InvalidArgumentException(field + ".readonly: an image volume is read-only; set readonly"
                        + " to true");
            }
            List<String> options = new ArrayList<>(List.of("rbind", "rprivate", "ro", "nosuid", "nodev"));
            addRequestedOptions(options, m, field);
            return new OciSpec.Mount(w.destination(), "bind", src, List.copyOf(options));
        }
        if (!m.getImageSubPath().isEmpty()) {
            throw new InvalidArgumentException(field + ".image_sub_path: set without an image");
        }
        String src = m.getHostPath();
        if (!src.startsWith("/") || src.indexOf('\0') >= 0) {
            throw new InvalidArgumentException(field + ".host_path: '" + Require.printable(src)
                    + "' is not an absolute path");
        }
        if (!fs.exists(src)) {
            throw new NotFoundException(field + ".host_path: '" + Require.printable(src)
                    + "' does not exist on the host");
        }
        List<String> options = new ArrayList<>();
        options.add("rbind");
        options.add(switch (m.getPropagation()) {
            case PROPAGATION_PRIVATE -> "rprivate";
            case PROPAGATION_HOST_TO_CONTAINER -> "rslave";
            case PROPAGATION_BIDIRECTIONAL -> "rshared";
            default -> throw new InvalidArgumentException(field + ".propagation: unknown mode "
                    + m.getPropagationValue());
        });
        if (m.getRecursiveReadOnly()) {
            if (!m.getReadonly()) {
                throw new InvalidArgumentException(field + ".recursive_read_only: requires readonly=true");
            }
            if (m.getPropagation() != MountPropagation.PROPAGATION_PRIVATE) {
                throw new InvalidArgumentException(field + ".recursive_read_only: requires private propagation, got "
                        + m.getPropagation());
            }
            if (!host.recursiveReadOnlyMounts()) {
                throw new InvalidArgumentException(field + ".recursive_read_only: this host's OCI runtime or kernel"
                        + " does not support recursive read-only mounts (host_path '" + Require.printable(src)
                        + "')");
            }
            options.add("rro");
        } else {
            options.add(m.getReadonly() ? "ro" : "rw");
        }
        addRequestedOptions(options, m, field);
        return new OciSpec.Mount(w.destination(), "bind", src, options,
                idMappings(m.getUidMappingsList()), idMappings(m.getGidMappingsList()));
    }

    /**
     * Mount.mount_options: only the options that take a power away from the container (noexec, nodev, nosuid),
     * which is what the CRI offers them for; anything else could loosen what berth set, so it is refused.
     */
    private static void addRequestedOptions(List<String> options, Mount m, String field) {
        for (String o : m.getMountOptionsList()) {
            if (!REQUESTABLE_OPTIONS.contains(o)) {
                throw new InvalidArgumentException(field + ".mount_options: '" + Require.printable(o)
                        + "' is not supported; use " + String.join(", ", REQUESTABLE_OPTIONS));
            }
            if (!options.contains(o)) {
                options.add(o);
            }
        }
    }

    private static List<OciSpec.IdMapping> idMappings(List<IDMapping> in) {
        return in.stream().map(i -> new OciSpec.IdMapping(
                Integer.toUnsignedLong(i.getContainerId()), Integer.toUnsignedLong(i.getHostId()),
                Integer.toUnsignedLong(i.getLength()))).toList();
    }

    /** The filesystems every Linux container expects (runtime-spec "default filesystems", containerd's set). */
    static List<OciSpec.Mount> defaults(boolean privileged) {
        String sysMode = privileged ? "rw" : "ro";
        return List.of(
                new OciSpec.Mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")),
                new OciSpec.Mount("/dev", "tmpfs", "tmpfs",
                        List.of("nosuid", "strictatime", "mode=755", "size=65536k")),
                new OciSpec.Mount("/dev/pts", "devpts", "devpts",
                        List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")),
                new OciSpec.Mount("/dev/shm", "tmpfs", "shm",
                        List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")),
                new OciSpec.Mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")),
                new OciSpec.Mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", sysMode)),
                new OciSpec.Mount("/sys/fs/cgroup", "cgroup", "cgroup",
                        List.of("nosuid", "noexec", "nodev", "relatime", sysMode)));
    }
}

package io.berth.server.container;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InternalException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.id.ObjectIds;
import io.berth.common.time.UnixNanos;
import io.berth.common.validate.Require;
import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.CreateContainerRequest;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.linux.MountTable;
import io.berth.linux.Mounts;
import io.berth.linux.TreeDeleter;
import io.berth.server.config.BerthConfig;
import io.berth.server.container.spec.ImageVolumes;
import io.berth.server.container.spec.OciSpec;
import io.berth.server.container.spec.OciSpecJson;
import io.berth.server.container.spec.ResolvedUser;
import io.berth.server.container.spec.SandboxFacts;
import io.berth.server.container.spec.SpecBuilder;
import io.berth.server.container.spec.SpecInputs;
import io.berth.server.container.spec.UserResolver;
import io.berth.server.failpoint.FailPoint;
import io.berth.server.sandbox.SandboxStore;
import io.berth.server.sandbox.UserNamespaces;
import io.berth.server.store.Rollback;
import io.berth.shim.api.ShimConfig;
import io.berth.shim.client.ShimClient;
import io.berth.snapshotter.Mount;
import io.berth.snapshotter.MountedView;
import io.berth.snapshotter.Snapshotter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * CreateContainer: a writable snapshot over the image, config.json from the request and the image, and
 * a shim that has run {@code runc create}. Each step registers its undo, so a refused or failed create
 * leaves no snapshot, mount, run dir, shim or reserved name.
 */
public final class ContainerCreator {
    private static final int PATH_MAX = 4096;
    private static final int NAME_MAX = 255;
    private static final Logger LOG = Logger.getLogger(ContainerCreator.class.getName());
    private static final int RUN_DIR_ID_CHARS = 16;

    private final BerthConfig config;
    private final ContainerStore containers;
    private final SandboxStore sandboxes;
    private final ImageLookup images;
    private final Snapshotter snapshotter;
    private final Function<ImageVolumes, SpecBuilder> specs;
    private final SandboxFactsSource sandboxFacts;
    private final ShimLauncher launcher;
    private final ShimRegistry shims;
    private final Clock clock;

    public ContainerCreator(BerthConfig config, ContainerStore containers, SandboxStore sandboxes, ImageLookup images,
            Snapshotter snapshotter, Function<ImageVolumes, SpecBuilder> specs, SandboxFactsSource sandboxFacts,
            ShimLauncher launcher,
            ShimRegistry shims, Clock clock) {
        this.config = config;
        this.containers = containers;
        this.sandboxes = sandboxes;
        this.images = images;
        this.snapshotter = snapshotter;
        this.specs = specs;
        this.sandboxFacts = sandboxFacts;
        this.launcher = launcher;
        this.shims = shims;
        this.clock = clock;
    }

    public String create(CreateContainerRequest request) throws Exception {
        Require.idOrPrefix(request.getPodSandboxId(), "pod_sandbox_id");
        Require.present(request.hasConfig(), "config");
        ContainerConfig c = request.getConfig();
        Require.present(c.hasMetadata(), "config.metadata");
        Require.safeName(c.getMetadata().getName(), "config.metadata.name");
        Require.nonEmpty(c.getImage().getImage(), "config.image.image");
        UserNamespaces.refuseUnsupported(c.getLinux().getSecurityContext().getNamespaceOptions(),
                "config.linux.security_context.namespace_options");
        SandboxStore.Sandbox sandbox = sandboxes.resolve(request.getPodSandboxId());
        if (!sandbox.status().ready()) {
            throw new FailedPreconditionException("pod sandbox " + sandbox.id() + " is not ready (it was stopped);"
                    + " containers can only be created in a ready sandbox");
        }
        PodSandboxConfig pod = sandbox.metadata().config();
        LocalImage image = images.find(c.getImage().getImage());
        String logPath = logPath(pod.getLogDirectory(), c.getLogPath());

        String id = ObjectIds.random();
        String name = StoredContainerMetadata.reservedName(c.getMetadata(), pod.getMetadata());
        containers.names().reserve(name, id);
        Path runDir = runDirFor(id);
        Path bundle = runDir.resolve("bundle");
        String snapshotKey = "container-" + id;
        try (Rollback undo = new Rollback("CreateContainer " + name)) {
            undo.add(() -> containers.names().release(name, id));
            Files.createDirectories(bundle.resolve("rootfs"));
            undo.add(() -> TreeDeleter.delete(runDir));
            undo.add(() -> ImageVolumeMounts.removeViews(snapshotter, id));
            // A shim that failed after mounting the rootfs leaves the mount; take it off before the dir goes.
            undo.add(() -> unmountAllUnder(runDir));
            List<Mount> mounts = snapshotter.prepare(snapshotKey, image.topSnapshotKey());
            undo.add(() -> snapshotter.remove(snapshotKey));

            ResolvedUser user = resolveUser(c, image, mounts, runDir);
            SpecInputs inputs = new SpecInputs(id, c, pod, sandboxFacts.facts(sandbox), image.config(),
                    image.name(), user, "rootfs", targetPid(c));
            OciSpec spec = specs.apply(new ImageVolumeMounts(images, snapshotter, runDir, id)).build(inputs);
            Files.write(bundle.resolve("config.json"), OciSpecJson.toBytes(spec));
            if (!logPath.isEmpty()) {
                String logDirectory = pod.getLogDirectory();
                LogDirs.createParents(Path.of(logDirectory.isEmpty() ? "/" : logDirectory).normalize(),
                        Path.of(logPath));
            }
            FailPoint.CREATE_CONTAINER_AFTER_BUNDLE.reach();
            ShimConfig shimConfig = ShimConfig.newBuilder()
                    .setId(id)
                    .setBundle(bundle.toString())
                    .setRuntime(config.runtimes().get(sandbox.metadata().runtimeHandler()).binary())
                    .setRuntimeRoot(ContainerCleaner.runtimeRoot(config, sandbox.metadata().runtimeHandler()))
                    .addAllRootfs(mounts.stream().map(ContainerCreator::toShimMount).toList())
                    .setLogPath(logPath.isEmpty() ? runDir.resolve("discarded.log").toString() : logPath)
                    .setRunDir(runDir.toString())
                    .setTty(c.getTty())
                    .setStdin(c.getStdin())
                    .setStdinOnce(c.getStdinOnce())
                    .setSandboxId(sandbox.id())
                    .setRuntimeTimeoutSeconds(config.shim().runtimeTimeoutSeconds())
                    .build();
            // A shim that dies after runc create leaves the runtime's container (and its waiting init) behind.
            undo.add(() -> new RuntimeCli(shimConfig.getRuntime(), shimConfig.getRuntimeRoot()).forceDelete(id));
            ShimClient shim = launcher.launch(shimConfig);
            undo.add(() -> shim.delete(true));
            shims.put(id, shim);
            undo.add(() -> shims.forget(id));
            FailPoint.CREATE_CONTAINER_AFTER_RUNTIME_CREATE.reach();

            String stopSignal = StopSignals.effective(c, image.config());
            StoredContainerMetadata meta = new StoredContainerMetadata(id, sandbox.id(), name, withImageVolumeRefs(c),
                    image.id(), image.ref(), UnixNanos.now(clock), logPath, runDir.toString(), snapshotKey,
                    sandbox.metadata().runtimeHandler(), stopSignal, user.uid(), user.gid(),
                    user.additionalGids());
            containers.add(meta, ContainerRunStatus.created());
            undo.commit();
        }
        LOG.info("container " + id + " (" + name + ") created from " + image.name());
        return id;
    }

    /**
     * The config as ContainerStatus reports it: each image volume's ImageSpec carries the id of the image that was
     * mounted ({@code image_ref}), as kubelet shows it in the pod's volume status; a later tag move changes nothing.
     */
    private ContainerConfig withImageVolumeRefs(ContainerConfig c) {
        ContainerConfig.Builder out = c.toBuilder();
        for (int i = 0; i < c.getMountsCount(); i++) {
            var m = c.getMounts(i);
            if (m.hasImage() && !m.getImage().getImage().isEmpty()) {
                out.setMounts(i, m.toBuilder().setImage(m.getImage().toBuilder()
                        .setImageRef(images.find(m.getImage().getImage()).id())));
            }
        }
        return out.build();
    }

    /** Names in the image's /etc/passwd need the image's files: mount the new rootfs for a moment. */
    private static ResolvedUser resolveUser(ContainerConfig c, LocalImage image, List<Mount> mounts, Path runDir)
            throws Exception {
        Path peek = Files.createDirectories(runDir.resolve("peek"));
        try (MountedView view = MountedView.mount(mounts, peek)) {
            return UserResolver.resolve(c.getLinux().getSecurityContext(), image.config(), view.path());
        } finally {
            Files.deleteIfExists(peek);
        }
    }

    private long targetPid(ContainerConfig c) {
        var ns = c.getLinux().getSecurityContext().getNamespaceOptions();
        if (ns.getPid() != NamespaceMode.TARGET) {
            return 0;
        }
        ContainerStore.Container target = containers.resolve(Require.idOrPrefix(ns.getTargetId(),
                "config.linux.security_context.namespace_options.target_id"));
        if (target.status().phase() != ContainerRunStatus.Phase.RUNNING) {
            throw new FailedPreconditionException("target container " + target.id() + " is not running; its PID"
                    + " namespace cannot be joined");
        }
        return target.status().pid();
    }

    /**
     * Run dirs are named by a prefix of the id: the shim's socket lives inside, and a unix socket path
     * must fit in 108 bytes even under a long state dir.
     */
    private Path runDirFor(String id) {
        Path dir = config.state().resolve("containers").resolve(id.substring(0, RUN_DIR_ID_CHARS));
        if (Files.exists(dir)) {
            throw new InternalException("run dir " + dir + " already exists; refusing to reuse"
                    + " it for container " + id);
        }
        return dir;
    }

    /** Deepest first, detached: also the sandbox init's teardown, whose bundle is laid out like a container's. */
    public static void unmountAllUnder(Path dir) throws Exception {
        for (Path m : MountTable.mountPointsUnder(dir).stream()
                .sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList()) {
            Mounts.unmount(m, Mounts.MNT_DETACH);
        }
    }

    /** kubelet's log_path is relative to the pod's log directory and must stay inside it. */
    static String logPath(String logDirectory, String logPath) {
        if (logPath.isEmpty()) {
            return "";
        }
        Path rel = Path.of(logPath);
        if (logDirectory.isEmpty()) {
            if (!rel.isAbsolute()) {
                throw new InvalidArgumentException("config.log_path '" + Require.printable(logPath)
                        + "' is relative but the pod sandbox has no log_directory");
            }
            return openable(rel.normalize().toString());
        }
        if (rel.isAbsolute() || rel.normalize().startsWith("..") || rel.normalize().toString().isEmpty()) {
            throw new InvalidArgumentException("config.log_path '" + Require.printable(logPath)
                    + "' must be a relative path inside the pod's log_directory");
        }
        return openable(Path.of(logDirectory).resolve(rel).normalize().toString());
    }

    /** A log path the shim could never open is refused here, with the rule, not later with ENAMETOOLONG. */
    private static String openable(String path) {
        boolean nameTooLong = false;
        for (Path name : Path.of(path)) {
            nameTooLong |= name.toString().length() > NAME_MAX;
        }
        if (path.length() > PATH_MAX || nameTooLong) {
            throw new InvalidArgumentException("config.log_path '" + Require.printable(path) + "' (" + path.length()
                    + " characters) is longer than a path (" + PATH_MAX + ") or one of its names (" + NAME_MAX
                    + ") may be");
        }
        return path;
    }

    private static io.berth.shim.api.Mount toShimMount(Mount m) {
        return io.berth.shim.api.Mount.newBuilder().setType(m.type()).setSource(m.source())
                .addAllOptions(m.options()).build();
    }

    /** The shim launch, behind an interface so the warm-shim pool can stand in for a cold start. */
    @FunctionalInterface
    public interface ShimLauncher {
        ShimClient launch(ShimConfig config) throws Exception;
    }

    /** The pod facts the spec needs (namespace paths, /etc files, pid namespace of the infra process). */
    @FunctionalInterface
    public interface SandboxFactsSource {
        SandboxFacts facts(SandboxStore.Sandbox sandbox) throws Exception;
    }
}

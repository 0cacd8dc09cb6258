package io.berth.server.container;

import io.berth.linux.TreeDeleter;
import io.berth.server.config.BerthConfig;
import io.berth.shim.client.ShimClient;
import io.berth.snapshotter.SnapshotInfo;
import io.berth.snapshotter.Snapshotter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Takes away, at daemon start, containers and container debris that no record owns, so that nothing of them runs
 * on unseen and no CRI call is needed (or able) to remove them:
 * <ul>
 * <li>containers whose pod has no record (the pod's record was found unreadable and dropped): removed as
 * RemoveContainer would;
 * <li>what a CreateContainer cut short by a crash left. CreateContainer writes the record last, so such a create
 * leaves a run dir with a bundle, a writable snapshot (and image-volume views), and from the shim launch on a
 * container in a shim host that outlived berthd with the runtime's created init waiting in its cgroup. kubelet's
 * retry makes a new container beside them. The same path takes down a run dir whose container record was dropped.
 * </ul>
 * Each leftover is removed on its own; one that resists is logged, never fatal.
 */
public final class ContainerOrphans {
    private static final Logger LOG = Logger.getLogger(ContainerOrphans.class.getName());
    private static final String SNAPSHOT_PREFIX = "container-";
    private static final String IMAGE_VOLUME_PREFIX = "imgvol-";

    private final BerthConfig config;
    private final ContainerStore containers;
    private final Supplier<Set<String>> sandboxIds;
    private final Snapshotter snapshotter;
    private final Consumer<Path> releaseStdio;

    /**
     * @param sandboxIds the ids of recorded sandboxes, whose pod inits share the runtime's root with containers
     * @param releaseStdio lets go of the output descriptors berthd took again for a run dir when hosts reattached
     */
    public ContainerOrphans(BerthConfig config, ContainerStore containers, Supplier<Set<String>> sandboxIds,
            Snapshotter snapshotter, Consumer<Path> releaseStdio) {
        this.config = config;
        this.containers = containers;
        this.sandboxIds = sandboxIds;
        this.snapshotter = snapshotter;
        this.releaseStdio = releaseStdio;
    }

    /**
     * Removes the recorded containers whose pod has no record. Run after the containers were reconciled (so that
     * their shims are reachable) and before the pods' namespaces of unrecorded sandboxes are taken down.
     */
    public void removeThoseOfUnrecordedPods(ContainerControl control) {
        Set<String> pods = sandboxIds.get();
        for (ContainerStore.Container c : containers.list()) {
            String pod = c.metadata().sandboxId();
            if (pods.contains(pod)) {
                continue;
            }
            try {
                control.remove(c.id());
                LOG.warning("container " + c.id() + " belonged to pod sandbox " + pod
                        + ", which has no record; the container is removed");
            } catch (Exception e) {
                LOG.warning("container " + c.id() + " belongs to pod sandbox " + pod
                        + ", which has no record, and could not be removed: " + e.getMessage());
            }
        }
    }

    /**
     * Removes run dirs, runtime containers and snapshots that no record owns. Run after the shim hosts reattached (so a shim carrying an orphan can be told to delete it) and after the
     * sandbox dirs no record owns were removed (their pod inits are in the same runtime root).
     */
    public void remove() {
        Set<String> ids = new HashSet<>();
        Set<Path> runDirs = new HashSet<>();
        for (ContainerStore.Container c : containers.list()) {
            ids.add(c.id());
            runDirs.add(c.metadata().runPath().toAbsolutePath().normalize());
        }
        for (Path dir : list(config.state().resolve("containers"))) {
            if (!runDirs.contains(dir.toAbsolutePath().normalize())) {
                removeRunDir(dir);
            }
        }
        Set<String> runtimeOwners = new HashSet<>(ids);
        runtimeOwners.addAll(sandboxIds.get());
        removeRuntimeContainers(runtimeOwners);
        removeSnapshots(ids);
    }

    /** The shim first (it deletes the runtime's container and unmounts the rootfs), then what it left. */
    private void removeRunDir(Path dir) {
        try {
            ShimClient.connect(dir).delete(true);
        } catch (IOException | RuntimeException noShim) {
            // The crash came before the shim launch, or the shim is gone: the steps below do without it.
        }
        releaseStdio.accept(dir);
        try {
            ContainerCreator.unmountAllUnder(dir);
            TreeDeleter.delete(dir);
            LOG.info("removed container run dir " + dir + ": no container owns it (CreateContainer was interrupted)");
        } catch (Exception e) {
            LOG.warning("cannot remove the orphaned container run dir " + dir + ": " + e.getMessage());
        }
    }

    /**
     * Containers the OCI runtime still knows in berthd's roots that neither a container nor a pod init owns: a
     * create whose shim died with berthd. {@code delete --force} kills the waiting init and removes its cgroup.
     */
    private void removeRuntimeContainers(Set<String> owners) {
        for (Path handlerRoot : list(config.state().resolve("runtime"))) {
            String handler = handlerRoot.getFileName().toString();
            String binary = config.runtimes().containsKey(handler) ? config.runtimes().get(handler).binary() : handler;
            RuntimeCli runtime = new RuntimeCli(binary, handlerRoot.toString());
            for (Path state : list(handlerRoot)) {
                String id = state.getFileName().toString();
                if (owners.contains(id)) {
                    continue;
                }
                try {
                    runtime.forceDelete(id);
                    LOG.info("deleted " + handler + " container " + id + ": no container or pod owns it");
                } catch (IOException | RuntimeException e) {
                    LOG.warning("cannot delete the orphaned " + handler + " container " + id + ": " + e.getMessage());
                }
            }
        }
    }

    /** Writable snapshots and image-volume views of containers that have no record. */
    private void removeSnapshots(Set<String> ids) {
        for (SnapshotInfo info : snapshotter.list()) {
            String key = info.name();
            String owner = key.startsWith(SNAPSHOT_PREFIX) ? key.substring(SNAPSHOT_PREFIX.length())
                    : key.startsWith(IMAGE_VOLUME_PREFIX) ? ownerOfView(key) : null;
            if (owner == null || ids.contains(owner)) {
                continue;
            }
            try {
                snapshotter.remove(key);
                LOG.info("removed snapshot " + key + ": no container owns it");
            } catch (RuntimeException e) {
                LOG.warning("cannot remove the orphaned snapshot " + key + ": " + e.getMessage());
            }
        }
    }

    /** {@code imgvol-<container id>-<n>}: the container id (ids are hex, so the first dash ends it). */
    private static String ownerOfView(String key) {
        String rest = key.substring(IMAGE_VOLUME_PREFIX.length());
        int dash = rest.indexOf('-');
        return dash < 0 ? null : rest.substring(0, dash);
    }

    private static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(Files::isDirectory).toList();
        } catch (IOException e) {
            LOG.warning("cannot list " + dir + ": " + e.getMessage());
            return List.of();
        }
    }
}

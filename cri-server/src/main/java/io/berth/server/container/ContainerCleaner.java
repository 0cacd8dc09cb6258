package io.berth.server.container;

import io.berth.common.error.NotFoundException;
import io.berth.common.error.UnavailableException;
import io.berth.linux.TreeDeleter;
import io.berth.server.config.BerthConfig;
import io.berth.shim.client.ShimClient;
import io.berth.snapshotter.Snapshotter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * Takes away everything a container had on the host: the runtime's state, the rootfs mount, the writable
 * snapshot and the run dir. Works with a live shim (it deletes and unmounts) and without one (a shim
 * that died, or a reboot), so removal never depends on the shim having survived.
 */
public final class ContainerCleaner {
    private static final Logger LOG = Logger.getLogger(ContainerCleaner.class.getName());

    private final BerthConfig config;
    private final Snapshotter snapshotter;

    public ContainerCleaner(BerthConfig config, Snapshotter snapshotter) {
        this.config = config;
        this.snapshotter = snapshotter;
    }

    public void clean(ContainerStore.Container c, ShimClient shim) throws Exception {
        StoredContainerMetadata m = c.metadata();
        if (shim == null) {
            shim = reconnect(m);
        }
        boolean shimDeleted = false;
        if (shim != null) {
            try {
                shim.delete(true);
                shimDeleted = true;
            } catch (UnavailableException e) {
                // The host is gone, closing or not answering (ShimGoneException is one of these): the runtime's
                // delete below kills the container without it.
                LOG.info("shim of container " + c.id() + " could not delete it (" + e.getMessage()
                        + "); cleaning up without it");
            }
            // Any other failure is the runtime's (its delete failed or timed out) and goes back to the caller:
            // the shim still carries the container, and the RemoveContainer that kubelet retries deletes it then.
        }
        if (!shimDeleted) {
            runtimeFor(m).forceDelete(c.id());
        }
        ContainerCreator.unmountAllUnder(m.runPath());
        ImageVolumeMounts.removeViews(snapshotter, c.id());
        try {
            snapshotter.remove(m.snapshotKey());
        } catch (NotFoundException alreadyGone) {
            // A second removal, or a create that failed before the snapshot existed.
        }
        TreeDeleter.delete(m.runPath());
    }

    /**
     * {@code <runtime> delete --force} for a container whose shim died without recording its exit: the runtime
     * kills whatever of it still runs and forgets it. The rootfs mount, snapshot and run dir stay for
     * RemoveContainer. A failure is logged, not thrown: the container is recorded EXITED either way.
     */
    public void killOrphaned(ContainerStore.Container c) {
        try {
            runtimeFor(c.metadata()).forceDelete(c.id());
            LOG.info("container " + c.id() + " lost its shim; its processes were killed by "
                    + c.metadata().runtimeHandler() + " delete --force");
        } catch (IOException | RuntimeException e) {
            LOG.warning("container " + c.id() + " lost its shim and could not be killed: " + e.getMessage());
        }
    }

    private static ShimClient reconnect(StoredContainerMetadata m) {
        try {
            return ShimClient.connect(m.runPath());
        } catch (IOException | RuntimeException gone) {
            return null;
        }
    }

    RuntimeCli runtimeFor(StoredContainerMetadata m) {
        String binary = config.runtimes().containsKey(m.runtimeHandler())
                ? config.runtimes().get(m.runtimeHandler()).binary() : m.runtimeHandler();
        return new RuntimeCli(binary, runtimeRoot(config, m.runtimeHandler()));
    }

    /** Each berthd keeps its runtime's state apart, so daemons side by side never see each other's containers. */
    public static String runtimeRoot(BerthConfig config, String handler) {
        return config.state().resolve("runtime").resolve(handler).toString();
    }
}

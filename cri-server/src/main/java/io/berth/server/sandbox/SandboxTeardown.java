package io.berth.server.sandbox;

import io.berth.common.error.NotFoundException;
import io.berth.linux.Namespaces;
import io.berth.linux.Tmpfs;
import io.berth.linux.TreeDeleter;
import io.berth.server.failpoint.FailPoint;
import java.nio.file.Files;
import java.util.logging.Logger;

/** Stops and removes sandboxes. Both are idempotent, as kubelet repeats them until they succeed. */
public final class SandboxTeardown {
    private static final Logger LOG = Logger.getLogger(SandboxTeardown.class.getName());

    private final SandboxStore store;
    private final PodNetwork network;
    private final SandboxMembers members;
    private final SandboxInit infra;

    public SandboxTeardown(SandboxStore store, PodNetwork network, SandboxMembers members, SandboxInit infra) {
        this.store = store;
        this.network = network;
        this.members = members;
        this.infra = infra;
    }

    /** Stops every container, releases the network and the pinned namespaces; the sandbox stays listed. */
    public void stop(String idOrPrefix) throws Exception {
        SandboxStore.Sandbox sandbox = store.resolve(idOrPrefix);
        String id = sandbox.id();
        boolean wasReady = sandbox.status().ready();
        if (wasReady) {
            // First, not last: port-forward and CreateContainer check readiness, so nothing is let into the pod
            // while its namespaces come apart, even if a step below fails and leaves the rest undone.
            store.update(id, SandboxStatus::notReady);
        }
        members.stopAll(id);
        SandboxMetadata meta = sandbox.metadata();
        // After the containers: the init process reaps whatever they left behind.
        infra.stop(meta);
        if (sandbox.status().networkAttached()) {
            network.tearDown(meta);
            store.update(id, SandboxStatus::networkReleased);
        }
        SandboxPaths paths = meta.paths();
        Namespaces.removePinned(paths.netns());
        Namespaces.removePinned(paths.utsns());
        Namespaces.removePinned(paths.ipcns());
        Tmpfs.unmount(paths.shm());
        if (wasReady) {
            LOG.info("sandbox " + id + " stopped");
        }
    }

    /** Stops if needed, removes the containers, the state dir and the record. A missing sandbox is fine. */
    public void remove(String idOrPrefix) throws Exception {
        SandboxStore.Sandbox sandbox;
        try {
            sandbox = store.resolve(idOrPrefix);
        } catch (NotFoundException gone) {
            return;
        }
        stop(sandbox.id());
        FailPoint.REMOVE_POD_SANDBOX_AFTER_STOP.reach();
        members.removeAll(sandbox.id());
        TreeDeleter.delete(sandbox.metadata().paths().dir());
        if (Files.exists(sandbox.metadata().paths().dir())) {
            throw new IllegalStateException("sandbox dir " + sandbox.metadata().paths().dir() + " could not be removed");
        }
        FailPoint.REMOVE_POD_SANDBOX_BEFORE_RECORD.reach();
        store.remove(sandbox);
        LOG.info("sandbox " + sandbox.id() + " removed");
    }
}

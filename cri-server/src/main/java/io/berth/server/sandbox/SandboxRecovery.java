package io.berth.server.sandbox;

import io.berth.linux.Namespaces;
import java.nio.file.Files;
import java.util.logging.Logger;

/**
 * Reconciles sandbox records with the host at daemon start: a READY sandbox whose pinned namespaces are
 * gone (a reboot wiped the state dir, or someone unmounted them) is NOTREADY, but stays removable.
 */
public final class SandboxRecovery {
    private static final Logger LOG = Logger.getLogger(SandboxRecovery.class.getName());

    private SandboxRecovery() {}

    public static void reconcile(SandboxStore store, SandboxInfra infra) {
        for (SandboxStore.Sandbox s : store.list()) {
            if (!s.status().ready()) {
                continue;
            }
            SandboxMetadata m = s.metadata();
            boolean intact = Files.isDirectory(m.paths().dir())
                    && (m.hostNetwork() || Namespaces.isPinned(m.paths().netns()))
                    && (m.hostIpc() || Namespaces.isPinned(m.paths().ipcns()))
                    && (s.status().infraPid() == 0 || infra.isRunning(m));
            if (!intact) {
                store.update(s.id(), SandboxStatus::notReady);
                LOG.warning("sandbox " + s.id() + " (" + m.name() + ") lost its namespaces, init process or state dir"
                        + " while berthd was down; it is NOTREADY now");
            }
        }
    }
}

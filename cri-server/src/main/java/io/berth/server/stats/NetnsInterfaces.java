package io.berth.server.stats;

import io.berth.linux.Namespaces;
import io.berth.linux.net.InterfaceCounters;
import io.berth.linux.net.NetDevStats;
import io.berth.server.sandbox.SandboxStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Logger;

/**
 * Reads {@code /proc/net/dev} inside the pod's pinned network namespace, on a throwaway thread that entered it.
 * A host-network pod has no network of its own to report (kubelet takes node numbers for it), so it gets none.
 */
public final class NetnsInterfaces implements PodInterfaces {
    private static final Logger LOG = Logger.getLogger(NetnsInterfaces.class.getName());
    static final String LOOPBACK = "lo";

    @Override
    public List<InterfaceCounters> of(SandboxStore.Sandbox sandbox) {
        if (sandbox.metadata().hostNetwork() || !sandbox.status().ready()) {
            return List.of();
        }
        Path netns = sandbox.metadata().paths().netns();
        if (!Namespaces.isPinned(netns)) {
            return List.of();
        }
        try {
            return Namespaces.runIn(Namespaces.Kind.NET, netns, NetDevStats::ofCallingThread).stream()
                    .filter(i -> !i.name().equals(LOOPBACK))
                    .toList();
        } catch (IOException | RuntimeException e) {
            // Torn down between the check and the read (a StopPodSandbox running beside us).
            LOG.fine("cannot read the interfaces of pod " + sandbox.id() + ": " + e.getMessage());
            return List.of();
        }
    }
}

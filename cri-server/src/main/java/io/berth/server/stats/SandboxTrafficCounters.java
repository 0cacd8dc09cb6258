package io.berth.server.stats;

import io.berth.linux.net.InterfaceCounters;
import io.berth.server.sandbox.SandboxStore;
import java.util.List;

/** The traffic counters of a pod's network interfaces; the pod's netns in berthd, fixed counters in tests. */
@FunctionalInterface
public interface SandboxTrafficCounters {
    /**
     * The pod's interfaces other than loopback; empty for a host-network pod or one whose netns is gone.
     *
     * @param memberPids host pids of processes that may be in the pod's network namespace (its running containers'
     *                   init processes), which can make the reading cheaper; none need be
     */
    List<InterfaceCounters> of(SandboxStore.Sandbox sandbox, List<Integer> memberPids);
}

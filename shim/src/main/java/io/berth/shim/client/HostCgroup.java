package io.berth.shim.client;

import java.util.Set;

/** Puts a freshly started shim host into a cgroup of its own (berthd's cgroup driver decides where). */
@FunctionalInterface
public interface HostCgroup {
    /** Moves {@code pid}, the host of {@code group}, into its cgroup; failures are logged, not thrown. */
    void place(String group, int pid);

    /** Removes the empty cgroups of hosts that no longer run; {@code liveGroups} are those that do. */
    default void removeUnused(Set<String> liveGroups) {
    }
}

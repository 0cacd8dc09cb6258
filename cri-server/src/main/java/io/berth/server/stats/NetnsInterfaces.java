package io.berth.server.stats;

import io.berth.linux.Namespaces;
import io.berth.linux.net.InterfaceCounters;
import io.berth.linux.net.NetDevStats;
import io.berth.server.sandbox.SandboxStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Reads {@code /proc/net/dev} of the pod's pinned network namespace. The cheap way is {@code /proc/<pid>/net/dev}
 * of a process in that namespace (a running container's init), after checking that its {@code ns/net} is the very
 * namespace pinned for the pod (a pid can end and be reused); without such a process, a throwaway thread enters
 * the namespace, which costs a thread start per pod. A host-network pod has no network of its own to report
 * (kubelet takes node numbers for it), so it gets none.
 */
public final class NetnsInterfaces implements SandboxTrafficCounters {
    private static final Logger LOG = Logger.getLogger(NetnsInterfaces.class.getName());
    static final String LOOPBACK = "lo";
    private static final Path PROC = Path.of("/proc");

    @Override
    public List<InterfaceCounters> of(SandboxStore.Sandbox sandbox, List<Integer> memberPids) {
        if (sandbox.metadata().hostNetwork() || !sandbox.status().ready()) {
            return List.of();
        }
        Path netns = sandbox.metadata().paths().netns();
        try {
            Optional<Object> pinned = identity(netns);
            if (pinned.isEmpty() || !Namespaces.isPinned(netns)) {
                return List.of();
            }
            List<Integer> candidates = new ArrayList<>(memberPids);
            candidates.add(sandbox.status().infraPid());
            for (int pid : candidates) {
                Path proc = PROC.resolve(Integer.toString(pid));
                if (pid > 0 && identity(proc.resolve("ns/net")).equals(pinned)) {
                    return withoutLoopback(NetDevStats.read(proc.resolve("net/dev")));
                }
            }
            return withoutLoopback(Namespaces.runIn(Namespaces.Kind.NET, netns, NetDevStats::ofCallingThread));
        } catch (IOException | RuntimeException e) {
            // Torn down while we looked (a StopPodSandbox running beside us), or a process that just ended.
            LOG.fine("cannot read the interfaces of pod " + sandbox.id() + ": " + e.getMessage());
            return List.of();
        }
    }

    /** Device and inode of a namespace file (nsfs): equal for the same namespace however it is reached. */
    private static Optional<Object> identity(Path nsFile) {
        try {
            Map<String, Object> a = Files.readAttributes(nsFile, "unix:dev,ino");
            return Optional.of(List.of(a.get("dev"), a.get("ino")));
        } catch (IOException | UnsupportedOperationException gone) {
            return Optional.empty();
        }
    }

    private static List<InterfaceCounters> withoutLoopback(List<InterfaceCounters> all) {
        return all.stream().filter(i -> !i.name().equals(LOOPBACK)).toList();
    }
}

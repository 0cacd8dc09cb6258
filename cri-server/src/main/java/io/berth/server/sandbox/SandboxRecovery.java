package io.berth.server.sandbox;

import io.berth.linux.MountTable;
import io.berth.linux.Mounts;
import io.berth.linux.Namespaces;
import io.berth.linux.Tmpfs;
import io.berth.linux.TreeDeleter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Reconciles sandbox records with the host at daemon start: a READY sandbox whose pinned namespaces are
 * gone (a reboot wiped the state dir, or someone unmounted them) is NOTREADY, but stays removable; a
 * sandbox dir that no record owns (RunPodSandbox cut short by a crash) is taken down.
 */
public final class SandboxRecovery {
    private static final Logger LOG = Logger.getLogger(SandboxRecovery.class.getName());

    private SandboxRecovery() {}

    public static void reconcile(SandboxStore store, SandboxInit infra) {
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

    /**
     * Removes the sandbox dirs under {@code stateRoot} that no record owns. RunPodSandbox records a sandbox
     * last, so a berthd killed in the middle of one leaves pinned namespaces, a /dev/shm mount and maybe an
     * init process that no CRI call can reach any more; they would stay until the node reboots. Run it after
     * the network plugin started, which has by then torn down the networks of these pods (CNI DEL wants the
     * namespace still there). A dir that cannot be removed is logged and left, never fatal.
     */
    public static void removeOrphans(Path stateRoot, SandboxStore store, SandboxInit infra) {
        Path dir = SandboxPaths.root(stateRoot);
        Set<Path> owned = new HashSet<>();
        store.list().forEach(s -> owned.add(s.metadata().paths().dir().toAbsolutePath().normalize()));
        List<Path> orphans;
        try (Stream<Path> dirs = Files.isDirectory(dir) ? Files.list(dir) : Stream.empty()) {
            orphans = dirs.filter(Files::isDirectory)
                    .filter(d -> !owned.contains(d.toAbsolutePath().normalize())).toList();
        } catch (IOException e) {
            LOG.warning("cannot list sandbox dirs in " + dir + ": " + e.getMessage());
            return;
        }
        for (Path orphan : orphans) {
            try {
                infra.stopOrphan(orphan);
                SandboxPaths paths = new SandboxPaths(orphan);
                Namespaces.removePinned(paths.netns());
                Namespaces.removePinned(paths.utsns());
                Namespaces.removePinned(paths.ipcns());
                Tmpfs.unmount(paths.shm());
                // Whatever else is mounted below (nothing RunPodSandbox makes), so the delete cannot cross it.
                for (Path m : MountTable.mountPointsUnder(orphan).stream()
                        .sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList()) {
                    Mounts.unmount(m, Mounts.MNT_DETACH);
                }
                TreeDeleter.delete(orphan);
                LOG.info("removed sandbox dir " + orphan + ": no sandbox owns it (RunPodSandbox was interrupted)");
            } catch (Exception e) {
                LOG.warning("cannot remove the orphaned sandbox dir " + orphan + ": " + e.getMessage());
            }
        }
    }
}

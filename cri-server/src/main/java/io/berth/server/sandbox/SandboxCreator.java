package io.berth.server.sandbox;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.NotFoundException;
import io.berth.common.id.ObjectIds;
import io.berth.common.time.UnixNanos;
import io.berth.common.validate.Require;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.NamespaceOption;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.RunPodSandboxRequest;
import io.berth.linux.Namespaces;
import io.berth.linux.Tmpfs;
import io.berth.linux.TreeDeleter;
import io.berth.server.config.BerthConfig;
import io.berth.server.failpoint.FailPoint;
import io.berth.server.store.Rollback;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Makes a sandbox: state dir, pinned namespaces, /dev/shm, the shared /etc files, the network. Every step
 * registers its undo, so a failure at any point leaves no mount, namespace, dir or record behind.
 */
public final class SandboxCreator {
    private static final int PATH_MAX = 4096;
    private static final int NAME_MAX = 255;
    private static final Logger LOG = Logger.getLogger(SandboxCreator.class.getName());
    private static final long SHM_BYTES = 64L * 1024 * 1024;
    private static final Pattern HOSTNAME = Pattern.compile("[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?",
            Pattern.CASE_INSENSITIVE);

    private final BerthConfig config;
    private final SandboxStore store;
    private final PodNetwork network;
    private final SandboxInit infra;
    private final Clock clock;

    public SandboxCreator(BerthConfig config, SandboxStore store, PodNetwork network, SandboxInit infra,
            Clock clock) {
        this.config = config;
        this.store = store;
        this.network = network;
        this.infra = infra;
        this.clock = clock;
    }

    /** Runs the sandbox and returns its id; a retry of a sandbox that exists returns the existing id. */
    public String run(RunPodSandboxRequest request) throws Exception {
        Require.present(request.hasConfig(), "config");
        PodSandboxConfig pod = request.getConfig();
        Require.present(pod.hasMetadata(), "config.metadata");
        Require.nonEmpty(pod.getMetadata().getName(), "config.metadata.name");
        Require.nonEmpty(pod.getMetadata().getUid(), "config.metadata.uid");
        Require.nonEmpty(pod.getMetadata().getNamespace(), "config.metadata.namespace");
        logDirectory(pod.getLogDirectory());
        String handler = handler(request.getRuntimeHandler());
        String name = SandboxMetadata.reservedName(pod.getMetadata());

        String existing = store.names().idOf(name).orElse(null);
        if (existing != null) {
            // kubelet retries RunPodSandbox after a timeout; the first attempt's sandbox is the answer.
            LOG.info("RunPodSandbox for " + name + " again: returning existing sandbox " + existing);
            return existing;
        }
        NamespaceOption ns = pod.getLinux().getSecurityContext().getNamespaceOptions();
        UserNamespaces.refuseUnsupported(ns, "config.linux.security_context.namespace_options");
        boolean hostNetwork = ns.getNetwork() == NamespaceMode.NODE;
        boolean hostIpc = ns.getIpc() == NamespaceMode.NODE;
        boolean hostPid = ns.getPid() == NamespaceMode.NODE;
        if (ns.getPid() == NamespaceMode.TARGET) {
            throw new InvalidArgumentException("config.linux.security_context.namespace_options.pid: TARGET is"
                    + " only valid for containers, not for a pod sandbox");
        }
        Map<String, String> sysctls = SysctlPolicy.admit(pod.getLinux().getSysctlsMap(), hostNetwork, hostIpc);
        String hostname = hostname(pod, hostNetwork);

        String id = ObjectIds.random();
        store.names().reserve(name, id);
        SandboxPaths paths = SandboxPaths.of(config.state(), id);
        SandboxMetadata meta = new SandboxMetadata(id, name, pod, handler,
                UnixNanos.now(clock), paths.dir().toString(), hostNetwork, hostIpc, hostPid, sysctls);
        try (Rollback undo = new Rollback("RunPodSandbox " + name)) {
            undo.add(() -> store.names().release(name, id));
            Files.createDirectories(paths.dir().resolve("ns"));
            undo.add(() -> TreeDeleter.delete(paths.dir()));
            if (!hostNetwork) {
                Namespaces.createPinned(Namespaces.Kind.NET, paths.netns(), null);
                undo.add(() -> Namespaces.removePinned(paths.netns()));
                Namespaces.createPinned(Namespaces.Kind.UTS, paths.utsns(), hostname);
                undo.add(() -> Namespaces.removePinned(paths.utsns()));
            }
            if (!hostIpc) {
                Namespaces.createPinned(Namespaces.Kind.IPC, paths.ipcns(), null);
                undo.add(() -> Namespaces.removePinned(paths.ipcns()));
                Files.createDirectories(paths.shm());
                Tmpfs.mount(paths.shm(), SHM_BYTES, 01777);
                undo.add(() -> Tmpfs.unmount(paths.shm()));
            }
            SandboxFiles.write(paths, hostname, pod.getDnsConfig(), hostNetwork);
            FailPoint.RUN_POD_SANDBOX_AFTER_NAMESPACES.reach();
            SandboxStatus status = SandboxStatus.created();
            if (!hostNetwork) {
                undo.add(() -> network.tearDown(meta));
                status = status.withNetwork(network.setUp(meta));
                FailPoint.RUN_POD_SANDBOX_AFTER_NETWORK.reach();
            }
            if (ns.getPid() == NamespaceMode.POD) {
                undo.add(() -> infra.stop(meta));
                status = status.withInfra(infra.start(meta));
            }
            FailPoint.RUN_POD_SANDBOX_BEFORE_RECORD.reach();
            store.add(meta, status);
            undo.commit();
        }
        LOG.info("sandbox " + id + " (" + name + ") is ready");
        return id;
    }

    private String handler(String requested) {
        String handler = requested.isEmpty() ? config.defaultRuntime() : requested;
        if (!config.runtimes().containsKey(handler)) {
            throw new NotFoundException("runtime handler '" + Require.printable(requested) + "' is not configured;"
                    + " configured handlers: " + String.join(", ", config.runtimes().keySet()));
        }
        return handler;
    }

    /**
     * Container logs are made below the log directory by berthd, as root: a relative one would be taken from
     * berthd's working directory, and one past PATH_MAX could never be opened.
     */
    static void logDirectory(String dir) {
        if (dir.isEmpty()) {
            return;
        }
        boolean nameTooLong = false;
        for (String name : dir.split("/")) {
            nameTooLong |= name.length() > NAME_MAX;
        }
        if (!dir.startsWith("/") || dir.length() > PATH_MAX || nameTooLong) {
            throw new InvalidArgumentException("config.log_directory '" + Require.printable(dir) + "' ("
                    + dir.length() + " characters) is not an absolute path of at most " + PATH_MAX
                    + " characters and names of at most " + NAME_MAX);
        }
    }

    /**
     * The pod's host name: the node's with the host network or when the config names none (kubelet always names
     * one; crictl and critest often do not, and their pod names are longer than a host name may be), as
     * containerd does.
     */
    static String hostname(PodSandboxConfig pod, boolean hostNetwork) throws IOException {
        String hostname = pod.getHostname();
        if (hostNetwork || hostname.isEmpty()) {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        }
        if (!HOSTNAME.matcher(hostname).matches()) {
            throw new InvalidArgumentException("config.hostname '" + Require.printable(hostname)
                    + "' is not a valid host name (letters, digits, '-', '.', at most 63 characters)");
        }
        return hostname;
    }
}

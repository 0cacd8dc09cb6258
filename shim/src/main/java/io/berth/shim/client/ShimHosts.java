package io.berth.shim.client;

import io.berth.common.error.UnavailableException;
import io.berth.common.time.UnixNanos;
import io.berth.linux.FileDescriptors;
import io.berth.linux.UnixSockets;
import io.berth.shim.HostBuild;
import io.berth.shim.HostDir;
import io.berth.shim.RunDir;
import io.berth.shim.api.AdoptRequest;
import io.berth.shim.api.CreateRequest;
import io.berth.shim.api.Event;
import io.berth.shim.api.ExitStatus;
import io.berth.shim.api.ListRequest;
import io.berth.shim.api.Request;
import io.berth.shim.api.Response;
import io.berth.shim.api.ShimConfig;
import io.berth.shim.api.State;
import io.berth.shim.api.Status;
import io.berth.shim.api.StdioRequest;
import io.berth.shim.api.UpgradeRequest;
import io.berth.shim.protocol.MessageSocket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * berthd's shim hosts, by group: it starts them (with berthd for {@code node} grouping, on first use for
 * {@code pod} and {@code container}), finds the live ones again after a restart, receives their exits on
 * one connection each, and keeps duplicates of every container's output descriptors. When a host dies
 * it starts another for the same group, which adopts the host's containers with those descriptors.
 */
public final class ShimHosts implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ShimHosts.class.getName());

    /** What berthd learns of its containers from the hosts. */
    public interface Listener {
        /** The container of {@code runDir} exited, as recorded in its exit file. */
        void exited(Path runDir, ExitStatus exit);
    }

    private final Path dir;
    private final LaunchOptions options;
    private final ShimGrouping grouping;
    private final Listener listener;
    private final HostLauncher launcher;
    private final Map<String, HostHandle> hosts = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public ShimHosts(Path dir, LaunchOptions options, ShimGrouping grouping, Listener listener) throws IOException {
        this.dir = dir;
        this.options = options;
        this.grouping = grouping;
        this.listener = listener;
        this.launcher = new HostLauncher(options);
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    public ShimGrouping grouping() {
        return grouping;
    }

    /**
     * Reattaches to the hosts that outlived the previous berthd: subscribes to their exits and takes the
     * duplicates of their containers' output again. A host of another build (berth was upgraded) is
     * upgraded in place, its containers running on.
     */
    public void start() throws IOException {
        try (Stream<Path> dirs = Files.list(dir)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                HostDir hostDir = new HostDir(d);
                int pid = ShimClient.hostPid(hostDir);
                if (!ShimClient.isHost(pid) || !Files.exists(hostDir.group())) {
                    continue;
                }
                String group = Files.readString(hostDir.group(), StandardCharsets.UTF_8).trim();
                HostHandle host = new HostHandle(hostDir, group, pid);
                try {
                    String build = host.info().getBuild();
                    reattach(host);
                    if (!build.equals(HostBuild.of(options.classpath()))) {
                        LOG.info("shim host " + group + " runs build " + build + "; upgrading it in place");
                        upgrade(group);
                    }
                } catch (IOException | RuntimeException e) {
                    LOG.warning("shim host " + d + " (pid " + pid + ") could not be reattached or upgraded: "
                            + e.getMessage());
                }
            }
        }
        removeUnusedCgroups();
    }

    /**
     * In node grouping, starts the node's host now if it is not running, so that no pod start waits for a
     * JVM. berthd calls this once it serves: a daemon that fails to start leaves no host behind.
     */
    public void startNodeHost() throws IOException {
        if (grouping == ShimGrouping.NODE) {
            host(ShimGrouping.NODE_GROUP);
        }
    }

    /** Under the lock that starts hosts, so a host being placed is never one whose cgroup goes. */
    private synchronized void removeUnusedCgroups() {
        options.hostCgroup().ifPresent(cgroup -> cgroup.removeUnused(Set.copyOf(hosts.keySet())));
    }

    private void reattach(HostHandle host) throws IOException {
        hosts.put(host.group(), host);
        subscribe(host);
        // The list and every container's stdio on one connection: a connection per request made this step,
        // in berthd's interpreter, about twice as long with 50 containers.
        int connection = UnixSockets.connect(host.dir().socket());
        Response list;
        try {
            list = host.client(Path.of("")).callOn(connection, Request.newBuilder()
                    .setList(ListRequest.getDefaultInstance())).message();
            for (State c : list.getList().getContainersList()) {
                if (c.getStatus() == Status.STATUS_STOPPED) {
                    continue;
                }
                Path runDir = Path.of(c.getRunDir());
                MessageSocket.Received<Response> stdio = host.client(runDir).callOn(connection, Request.newBuilder()
                        .setStdio(StdioRequest.getDefaultInstance()));
                host.hold(runDir, new HostHandle.HeldStdio(stdio.message().getStdio(), stdio.fds()));
            }
        } finally {
            FileDescriptors.closeQuietly(connection);
        }
        LOG.info("reattached to shim host " + host.group() + " (pid " + host.pid() + "), "
                + list.getList().getContainersCount() + " containers");
    }

    /** Creates the container in its group's host, starting the host if needed. */
    public ShimClient create(ShimConfig config) throws IOException {
        String group = grouping.groupOf(config);
        for (int attempt = 0; ; attempt++) {
            HostHandle host = host(group);
            Path runDir = Path.of(config.getRunDir());
            try {
                MessageSocket.Received<Response> created = host.client(runDir).callWithFds(Request.newBuilder()
                        .setCreate(CreateRequest.newBuilder().setConfig(config)));
                host.hold(runDir, new HostHandle.HeldStdio(created.message().getStdio(), created.fds()));
                return host.client(runDir);
            } catch (UnavailableException e) {
                if (attempt > 0) {
                    throw e;
                }
                // The group's host was exiting (its last container just went) or died: start a new one.
                hosts.remove(group, host);
            }
        }
    }

    /** The client of an existing container, through the host its run dir names. */
    public ShimClient connect(Path runDir) throws IOException {
        return ShimClient.connect(runDir);
    }

    /** The container of {@code runDir} was deleted: its held descriptors go. */
    public void release(Path runDir) {
        hosts.values().forEach(h -> h.release(runDir));
    }

    /** The live host of {@code group}, started if there is none. */
    synchronized HostHandle host(String group) throws IOException {
        if (closed) {
            throw new UnavailableException("berthd is stopping: no shim host is started for " + group);
        }
        HostHandle host = hosts.get(group);
        if (host != null && host.isAlive()) {
            return host;
        }
        HostDir hostDir = new HostDir(dir.resolve(group));
        HostHandle started = launcher.start(hostDir, group);
        hosts.put(group, started);
        subscribe(started);
        return started;
    }

    /** The hosts berthd knows, by group. */
    public Map<String, HostDir> hosts() {
        Map<String, HostDir> all = new TreeMap<>();
        hosts.forEach((group, host) -> all.put(group, host.dir()));
        return all;
    }

    /** The pid of the host of {@code group}, if it runs. */
    public Optional<Integer> hostPid(String group) {
        HostHandle host = hosts.get(group);
        return host != null && host.isAlive() ? Optional.of(host.pid()) : Optional.empty();
    }

    /**
     * Replaces the program of the host of {@code group} in place with this berthd's build (same pid, the
     * containers untouched) and waits until the new image serves.
     */
    public void upgrade(String group) throws IOException {
        HostHandle host = hosts.get(group);
        if (host == null || !host.isAlive()) {
            throw new UnavailableException("no live shim host for group " + group);
        }
        long before = host.info().getStartedUnixNanos();
        host.client(Path.of("")).callWithFds(Request.newBuilder().setUpgrade(
                UpgradeRequest.newBuilder().addAllCommand(launcher.command(host.dir(), group))));
        launcher.awaitServing(host.dir(), group, host.pid(), info -> info.getStartedUnixNanos() != before);
    }

    private void subscribe(HostHandle host) throws IOException {
        host.subscribe(this::deliver, () -> ended(host));
    }

    private void deliver(Event event) {
        try {
            listener.exited(Path.of(event.getRunDir()), event.getExit());
        } catch (RuntimeException e) {
            LOG.warning("recording the exit in " + event.getRunDir() + " failed: " + e.getMessage());
        }
    }

    /**
     * The host's event stream ended. A host that answers re-executed itself (an upgrade): subscribe again
     * and catch up on exits from State. A dead one: a new host for its group adopts its containers.
     */
    private void ended(HostHandle host) {
        if (closed) {
            return;
        }
        if (host.isAlive()) {
            try {
                launcher.awaitServing(host.dir(), host.group(), host.pid(), info -> true);
                subscribe(host);
                catchUp(host);
                return;
            } catch (IOException | RuntimeException e) {
                LOG.warning("shim host " + host.group() + " is alive but does not serve: " + e.getMessage());
            }
        }
        hosts.remove(host.group(), host);
        // A host removes a container's host file before it answers the delete, so what still has one was
        // carried when the host died; the rest was deleted (a pod or container host exits after its last).
        host.held().entrySet().removeIf(e -> {
            if (Files.exists(new RunDir(Path.of(e.getKey())).host())) {
                return false;
            }
            e.getValue().close();
            return true;
        });
        if (host.held().isEmpty()) {
            removeUnusedCgroups(); // a pod's or container's host that exited after its last container
            return;
        }
        LOG.warning("shim host " + host.group() + " (pid " + host.pid() + ") died; adopting its "
                + host.held().size() + " containers in a new host");
        HostHandle next;
        try {
            next = host(host.group());
        } catch (IOException | RuntimeException e) {
            if (closed) {
                return; // berthd is stopping: the next berthd finds the containers, none is lost here
            }
            LOG.severe("cannot start a shim host for " + host.group() + ": " + e.getMessage());
            host.held().keySet().forEach(runDir -> lost(Path.of(runDir), "its shim host died and no new one starts: "
                    + e.getMessage()));
            return;
        }
        for (Map.Entry<String, HostHandle.HeldStdio> e : host.held().entrySet()) {
            adopt(next, Path.of(e.getKey()), e.getValue());
        }
        host.held().clear();
    }

    private void adopt(HostHandle next, Path runDir, HostHandle.HeldStdio stdio) {
        try {
            ShimConfig config = ShimConfig.parseFrom(Files.readAllBytes(new RunDir(runDir).config()));
            // SCM_RIGHTS gives the new host its own copies; berthd keeps holding these.
            State state = next.client(runDir).callWithFds(Request.newBuilder().setAdopt(
                    AdoptRequest.newBuilder().setConfig(config).setStdio(stdio.roles())), stdio.fds()).message()
                    .getState();
            next.hold(runDir, stdio);
            if (state.getStatus() == Status.STATUS_STOPPED) {
                listener.exited(runDir, state.getExit());
            }
        } catch (IOException | RuntimeException e) {
            stdio.close();
            lost(runDir, "its shim host died and the new one could not adopt it: " + e.getMessage());
        }
    }

    private void catchUp(HostHandle host) {
        for (String runDir : host.held().keySet()) {
            try {
                State state = host.client(Path.of(runDir)).state();
                if (state.getStatus() == Status.STATUS_STOPPED) {
                    listener.exited(Path.of(runDir), state.getExit());
                }
            } catch (RuntimeException e) {
                LOG.warning("no state for " + runDir + " after the host re-executed: " + e.getMessage());
            }
        }
    }

    private void lost(Path runDir, String why) {
        listener.exited(runDir, ExitStatus.newBuilder().setExitCode(255).setReason("Unknown").setMessage(why)
                .setExitedAtUnixNanos(UnixNanos.now(Clock.systemUTC())).build());
    }

    /** berthd stops: subscriptions end, the hosts and their containers run on. */
    @Override
    public void close() {
        closed = true;
        hosts.values().forEach(HostHandle::close);
    }


    /**
     * Ends, by pid and with SIGKILL, every live host under {@code hostsDir} and waits until each is gone: for
     * taking a node's berth down for good, and for tests. Their containers lose their shims (see the README).
     */
    public static void killAll(Path hostsDir) throws IOException {
        if (!Files.isDirectory(hostsDir)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(hostsDir)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                int pid = ShimClient.hostPid(new HostDir(d));
                if (ShimClient.isHost(pid)) {
                    ProcessHandle.of(pid).ifPresent(p -> {
                        p.destroyForcibly();
                        p.onExit().join();
                    });
                }
            }
        }
    }
}

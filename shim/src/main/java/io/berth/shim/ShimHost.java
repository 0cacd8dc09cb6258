package io.berth.shim;

import io.berth.common.io.AtomicFiles;
import io.berth.common.time.UnixNanos;
import io.berth.shim.api.ContainerList;
import io.berth.shim.api.Event;
import io.berth.shim.api.HeldContainer;
import io.berth.shim.api.HostInfo;
import io.berth.shim.api.HostState;
import io.berth.shim.api.ShimConfig;
import io.berth.shim.api.StdioFds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One shim host: the container shims it carries, by run dir, and what they share. In {@code node}
 * grouping one host carries every container of the node; in {@code pod} and {@code container} grouping a
 * host carries one pod or one container and exits once it carries none.
 */
final class ShimHost {
    /** The grouping whose host lives as long as the node, not as long as its containers. */
    static final String NODE_GROUP = "node";

    private final HostDir dir;
    private final String group;
    private final HostServices services;
    private final HostEvents events;
    private final Map<String, Container> containers = new ConcurrentHashMap<>();
    private final long startedNanos = UnixNanos.now(Clock.systemUTC());
    private final String build = HostBuild.current();
    private boolean closing;
    /** Creates and adoptions under way: a pod host with none of these and no container may exit. */
    private int arriving;

    ShimHost(HostDir dir, String group, HostEvents events) throws IOException {
        this.dir = dir;
        this.group = group;
        this.events = events;
        this.services = HostServices.start(this::exited);
    }

    HostDir dir() {
        return dir;
    }

    String group() {
        return group;
    }

    HostServices services() {
        return services;
    }

    /** Creates the container {@code config} describes; on failure nothing of it is left in the host. */
    Container create(ShimConfig config) throws IOException, ShimOperationException {
        Container container = newContainer(config);
        try {
            // What another host adopts the container with, or the next program image resumes it from.
            AtomicFiles.write(container.runDir().config(), config.toByteArray());
            container.create();
            containers.put(container.runDir().path().toString(), container);
        } finally {
            arrived();
        }
        markHost(container.runDir());
        ShimLog.info("created container " + config.getId());
        return container;
    }

    /** Takes over a container whose host died, with the output descriptors berthd kept. */
    Container adopt(ShimConfig config, StdioFds roles, int[] fds) throws IOException, ShimOperationException {
        Container container = newContainer(config);
        try {
            container.adopt(roles, fds);
            containers.put(container.runDir().path().toString(), container);
        } finally {
            arrived();
        }
        markHost(container.runDir());
        ShimLog.info("adopted container " + config.getId() + " (pid " + container.state().getPid() + ")");
        return container;
    }

    /** Takes over every container the previous program image of this process held. */
    void resume(HostState state) throws IOException {
        for (HeldContainer held : state.getContainersList()) {
            RunDir runDir = new RunDir(Path.of(held.getRunDir()));
            ShimConfig config = ShimConfig.parseFrom(Files.readAllBytes(runDir.config()));
            try {
                Container container = newContainer(config);
                try {
                    container.resume(held);
                    containers.put(held.getRunDir(), container);
                } finally {
                    arrived();
                }
            } catch (ShimOperationException e) {
                ShimLog.error("cannot resume " + config.getId() + ": " + e.getMessage());
            }
        }
        ShimLog.info("resumed " + containers.size() + " containers after an upgrade");
    }

    private synchronized Container newContainer(ShimConfig config) throws IOException, ShimOperationException {
        if (closing) {
            throw new ShimOperationException(io.berth.shim.api.Error.Code.UNAVAILABLE,
                    "shim host " + group + " is closing; ask again for a new one");
        }
        Path runPath = Path.of(config.getRunDir());
        if (!runPath.isAbsolute() || !Files.isDirectory(runPath)) {
            throw new IllegalArgumentException("run dir '" + config.getRunDir() + "' is not an existing absolute dir");
        }
        if (containers.containsKey(runPath.toString())) {
            throw ShimOperationException.failedPrecondition("the host already carries " + runPath);
        }
        RunDir runDir = new RunDir(runPath);
        CriLog log = CriLog.open(Path.of(config.getLogPath()));
        RuntimeInvoker runtime = new RuntimeInvoker(config.getRuntime(), config.getRuntimeRoot(),
                runDir.runtimeLog(), services.reaper(), services.loop(), Duration.ofSeconds(config.getRuntimeTimeoutSeconds()));
        arriving++;
        return new Container(config, runDir, runtime, services, log);
    }

    private synchronized void arrived() {
        arriving--;
    }

    /**
     * Whether the host should exit now: a pod or container host that carries nothing and expects nothing
     * (its last container was deleted, or its only create failed). From then on it refuses new work.
     */
    synchronized boolean closeIfIdle() {
        if (!group.equals(NODE_GROUP) && containers.isEmpty() && arriving == 0) {
            closing = true;
        }
        return closing;
    }

    /** Tells berthd, after a restart, which host carries the container of {@code runDir}. */
    private void markHost(RunDir runDir) throws IOException {
        Files.writeString(runDir.host(), dir.path().toString(), StandardCharsets.UTF_8);
    }

    Optional<Container> find(String runDir) {
        return Optional.ofNullable(containers.get(runDir));
    }

    /**
     * Deletes the container and forgets it. Returns whether the host should now exit: a pod or container
     * host that carries nothing more.
     */
    boolean delete(Container container, boolean force) throws IOException, ShimOperationException {
        container.delete(force);
        containers.remove(container.runDir().path().toString());
        // Before the answer: berthd takes a run dir without it as deleted, not lost, if this host dies next.
        Files.deleteIfExists(container.runDir().host());
        return closeIfIdle();
    }

    ContainerList list() {
        ContainerList.Builder list = ContainerList.newBuilder();
        containers.values().forEach(c -> list.addContainers(c.state()));
        return list.build();
    }

    HostInfo info() {
        return HostInfo.newBuilder().setPid((int) ProcessHandle.current().pid()).setGroup(group)
                .setContainers(containers.size()).setStartedUnixNanos(startedNanos).setBuild(build).build();
    }

    /** Every container's hold, for the next program image; on the loop thread. */
    HostState hold(int listenFd) throws IOException {
        HostState.Builder state = HostState.newBuilder().setGroup(group).setListenFd(listenFd);
        for (Container c : containers.values()) {
            state.addContainers(c.hold());
        }
        return state.build();
    }

    private void exited(Container container) {
        events.publish(Event.newBuilder().setRunDir(container.runDir().path().toString())
                .setExit(container.state().getExit()).build());
    }
}

package io.berth.server.container;

import io.berth.common.error.FailedPreconditionException;
import io.berth.linux.Namespaces;
import io.berth.server.sandbox.SandboxStore;
import io.berth.server.streaming.StreamBackend;
import io.berth.shim.api.ExecRequest;
import io.berth.shim.client.ProcessStream;
import io.berth.shim.client.ShimClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The streaming server's processes, from the shims: an exec is a new process the container's shim starts
 * and reaps, an attach is the container's own stdio the shim already holds.
 */
public final class ContainerStreams implements StreamBackend {
    private final ContainerStore containers;
    private final SandboxStore sandboxes;
    /** The running shim of a container, if berthd holds one: all this class needs of the registry. */
    private final Function<String, Optional<ShimClient>> shims;

    public ContainerStreams(ContainerStore containers, SandboxStore sandboxes,
            Function<String, Optional<ShimClient>> shims) {
        this.containers = containers;
        this.sandboxes = sandboxes;
        this.shims = shims;
    }

    @Override
    public void checkRunning(String containerId) {
        ContainerStore.Container c = containers.resolve(containerId);
        if (c.status().phase() != ContainerRunStatus.Phase.RUNNING) {
            throw new FailedPreconditionException("container " + c.id() + " is not running (state "
                    + c.status().phase() + ")");
        }
    }

    @Override
    public ProcessStream exec(String containerId, List<String> cmd, boolean tty, boolean stdin) throws IOException {
        checkRunning(containerId);
        return shimOf(containerId).exec(ExecRequest.newBuilder().addAllArgs(cmd).setTty(tty).setStdin(stdin).build());
    }

    @Override
    public ProcessStream attach(String containerId, boolean stdin) throws IOException {
        checkRunning(containerId);
        return shimOf(containerId).attach(stdin);
    }

    /**
     * The pinned netns, or null for a pod on the host network. Decided from what the pod was created with, never
     * from whether the pin file exists: a pod whose pin is gone must not be forwarded to the host's loopback,
     * where kubelet and other node services listen. It fails closed instead.
     */
    @Override
    public Path netns(String podSandboxId) {
        SandboxStore.Sandbox s = sandboxes.resolve(podSandboxId);
        if (!s.status().ready()) {
            throw new FailedPreconditionException("pod sandbox " + s.id() + " is not ready");
        }
        if (s.metadata().hostNetwork()) {
            return null;
        }
        Path netns = s.metadata().paths().netns();
        if (!Namespaces.isPinned(netns)) {
            throw new FailedPreconditionException("pod sandbox " + s.id() + " has lost its network namespace ("
                    + netns + " is not pinned); port-forward refused");
        }
        return netns;
    }

    private ShimClient shimOf(String containerId) {
        String id = containers.resolve(containerId).id();
        return shims.apply(id).orElseThrow(() -> new FailedPreconditionException(
                "container " + id + " has no shim; it cannot be exec'd into or attached to"));
    }
}

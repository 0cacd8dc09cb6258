package io.berth.server.streaming;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.UnimplementedException;
import io.berth.linux.Namespaces;
import io.berth.server.container.ContainerLifecycle;
import io.berth.server.container.ContainerStore;
import io.berth.server.sandbox.SandboxStore;
import io.berth.shim.client.ProcessStream;
import java.nio.file.Path;
import java.util.List;

/**
 * The checks berthd can already answer from its stores: whether a container runs and where a pod's netns is.
 * Exec and attach need the shim's process streams, which are wired in separately.
 */
public final class StoreStreamBackend implements StreamBackend {
    private final ContainerStore containers;
    private final SandboxStore sandboxes;

    public StoreStreamBackend(ContainerStore containers, SandboxStore sandboxes) {
        this.containers = containers;
        this.sandboxes = sandboxes;
    }

    @Override
    public void checkRunning(String containerId) {
        ContainerStore.Container c = containers.resolve(containerId);
        if (c.status().phase() != ContainerLifecycle.Phase.RUNNING) {
            throw new FailedPreconditionException("container " + c.id() + " is not running (state "
                    + c.status().phase() + ")");
        }
    }

    @Override
    public ProcessStream exec(String containerId, List<String> cmd, boolean tty, boolean stdin) {
        throw new UnimplementedException("exec through the shim is not wired into berthd yet");
    }

    @Override
    public ProcessStream attach(String containerId, boolean stdin, boolean tty) {
        throw new UnimplementedException("attach through the shim is not wired into berthd yet");
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
}

package io.berth.server.container;

import io.berth.server.sandbox.SandboxStore;
import io.berth.server.streaming.StoreStreamBackend;
import io.berth.server.streaming.StreamBackend;
import io.berth.shim.api.ExecRequest;
import io.berth.shim.client.ProcessStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The streaming server's processes, from the shims: an exec is a new process the container's shim starts
 * and reaps, an attach is the container's own stdio the shim already holds.
 */
public final class ContainerStreams implements StreamBackend {
    private final ContainerStore containers;
    private final ShimRegistry shims;
    private final StoreStreamBackend checks;

    public ContainerStreams(ContainerStore containers, SandboxStore sandboxes, ShimRegistry shims) {
        this.containers = containers;
        this.shims = shims;
        this.checks = new StoreStreamBackend(containers, sandboxes);
    }

    @Override
    public void checkRunning(String containerId) {
        checks.checkRunning(containerId);
    }

    @Override
    public ProcessStream exec(String containerId, List<String> cmd, boolean tty, boolean stdin) throws IOException {
        checkRunning(containerId);
        return shimOf(containerId).exec(ExecRequest.newBuilder().addAllArgs(cmd).setTty(tty).setStdin(stdin).build());
    }

    @Override
    public ProcessStream attach(String containerId, boolean stdin, boolean tty) throws IOException {
        checkRunning(containerId);
        // The container's own terminal setting decides tty; the shim knows it.
        return shimOf(containerId).attach(stdin);
    }

    @Override
    public Path netns(String podSandboxId) {
        return checks.netns(podSandboxId);
    }

    private io.berth.shim.client.ShimClient shimOf(String containerId) {
        String id = containers.resolve(containerId).id();
        return shims.get(id).orElseThrow(() -> new io.berth.common.error.FailedPreconditionException(
                "container " + id + " has no shim; it cannot be exec'd into or attached to"));
    }
}

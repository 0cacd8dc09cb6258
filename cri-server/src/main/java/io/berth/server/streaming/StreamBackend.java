package io.berth.server.streaming;

import io.berth.shim.client.ProcessStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What the streaming server needs from the rest of berthd: processes to talk to and the network namespace
 * of a pod. berthd implements it with the container store and the shims; tests with fakes.
 *
 * <p>Errors are the typed exceptions of {@code io.berth.common.error}: {@code NotFoundException} for an
 * unknown container or pod, {@code FailedPreconditionException} for one that is not running.
 */
public interface StreamBackend {
    /** Fails unless the container exists (NOT_FOUND) and is running (FAILED_PRECONDITION). */
    void checkRunning(String containerId);

    /** Starts {@code cmd} in the running container; the returned stream's last chunk is the exit. */
    ProcessStream exec(String containerId, List<String> cmd, boolean tty, boolean stdin) throws IOException;

    /**
     * Attaches to the container's own stdio; closing the stream detaches and leaves the container running. No tty
     * flag: whether the stdio is a terminal was fixed when the container was created.
     */
    ProcessStream attach(String containerId, boolean stdin) throws IOException;

    /** The pinned network namespace file of a ready pod sandbox (NOT_FOUND / FAILED_PRECONDITION otherwise). */
    Path netns(String podSandboxId);
}

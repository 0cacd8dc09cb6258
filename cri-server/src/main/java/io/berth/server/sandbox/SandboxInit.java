package io.berth.server.sandbox;

import java.nio.file.Path;

/**
 * The pod's init process (catatonit): it owns the PID namespace that containers in POD mode share and
 * reaps their orphans. Only pods with PID mode POD have one.
 */
public interface SandboxInit {
    /** Starts it inside the sandbox's namespaces; returns its host pid. */
    int start(SandboxMetadata sandbox) throws Exception;

    /** Stops and deletes it; idempotent. */
    void stop(SandboxMetadata sandbox) throws Exception;

    /**
     * Stops and deletes the init process under a sandbox dir that no record owns (RunPodSandbox was cut
     * short by a crash before it recorded the sandbox); idempotent, and a dir without one is fine.
     */
    void stopOrphan(Path sandboxDir) throws Exception;

    /** Whether it still runs (after a daemon restart). */
    boolean isRunning(SandboxMetadata sandbox);
}

package io.berth.server.sandbox;

/** What a sandbox needs from the containers in it when it stops or goes away. */
public interface SandboxMembers {
    /** Stops every container of the sandbox (grace period 0: kubelet stopped them gracefully before). */
    void stopAll(String sandboxId) throws Exception;

    /** Removes every container of the sandbox. */
    void removeAll(String sandboxId) throws Exception;
}

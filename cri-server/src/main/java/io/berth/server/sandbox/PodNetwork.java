package io.berth.server.sandbox;

import java.util.List;

/**
 * The sandbox's view of pod networking: set up after the namespaces exist, torn down on stop. Set-up
 * returns the pod IPs, primary first.
 */
public interface PodNetwork {
    List<String> setUp(SandboxMetadata sandbox) throws Exception;

    /** Idempotent: tearing down a pod whose network is gone or was never set up succeeds. */
    void tearDown(SandboxMetadata sandbox) throws Exception;

    /**
     * No plugin configured: a pod gets its own network namespace with nothing in it (Status says
     * NetworkReady=false, so kubelet only sends host-network pods).
     */
    PodNetwork NONE = new PodNetwork() {
        @Override
        public List<String> setUp(SandboxMetadata sandbox) {
            return List.of();
        }

        @Override
        public void tearDown(SandboxMetadata sandbox) {}
    };
}

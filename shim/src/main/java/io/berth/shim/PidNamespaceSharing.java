package io.berth.shim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Whether a container's processes outlive its init. In a PID namespace of its own they cannot: the kernel kills
 * them all when the init (its pid 1) exits. Sharing its pod's namespace (or the host's), a container's children
 * keep running after the init, so the shim kills them, as containerd's runc shim does for such bundles.
 */
final class PidNamespaceSharing {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SIGKILL = 9;

    private PidNamespaceSharing() {}

    /** {@code runtime kill --all SIGKILL}: what the init forked and left running in a shared namespace. */
    static void killWhatTheInitLeft(RuntimeInvoker runtime, String id) {
        try {
            runtime.kill(id, SIGKILL, true);
        } catch (IOException e) {
            ShimLog.info("killing what " + id + " left running after its init exited: " + e.getMessage());
        }
    }

    /**
     * True unless the bundle's spec asks for a new PID namespace: a {@code pid} entry in {@code linux.namespaces}
     * without a {@code path}. An unreadable spec counts as shared, so that the container's processes are killed.
     */
    static boolean childrenOutliveInit(Path bundle) {
        JsonNode namespaces;
        try {
            namespaces = JSON.readTree(bundle.resolve("config.json").toFile()).path("linux").path("namespaces");
        } catch (IOException e) {
            return true;
        }
        for (JsonNode ns : namespaces) {
            if (ns.path("type").asText().equals("pid")) {
                return !ns.path("path").asText().isEmpty();
            }
        }
        return true;
    }
}

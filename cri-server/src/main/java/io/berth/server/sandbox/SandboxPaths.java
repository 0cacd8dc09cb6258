package io.berth.server.sandbox;

import java.nio.file.Path;

/**
 * Where one sandbox keeps its runtime files under the state dir. Everything here is gone after a reboot,
 * which is what recovery expects of namespaces and /dev/shm.
 */
public record SandboxPaths(Path dir) {
    /**
     * Named by a prefix of the id: the pod init's shim socket lives below, and a unix socket path must fit
     * in 108 bytes even under a long state dir.
     */
    public static SandboxPaths of(Path stateRoot, String id) {
        return new SandboxPaths(root(stateRoot).resolve(id.substring(0, 16)));
    }

    /** The dir that holds every sandbox's dir. */
    public static Path root(Path stateRoot) {
        return stateRoot.resolve("sandboxes");
    }

    public Path netns() {
        return dir.resolve("ns/net");
    }

    public Path ipcns() {
        return dir.resolve("ns/ipc");
    }

    public Path utsns() {
        return dir.resolve("ns/uts");
    }

    public Path shm() {
        return dir.resolve("shm");
    }

    public Path hosts() {
        return dir.resolve("hosts");
    }

    public Path resolvConf() {
        return dir.resolve("resolv.conf");
    }

    public Path hostname() {
        return dir.resolve("hostname");
    }
}

package io.berth.shim;

import java.nio.file.Path;

/**
 * The files of one shim host: its control socket, its pid, its own log, and the state it hands to its
 * next program image at an upgrade. berthd finds live hosts by these names after a restart.
 */
public record HostDir(Path path) {
    public Path socket() {
        return path.resolve("host.sock");
    }

    public Path pid() {
        return path.resolve("host.pid");
    }

    /** The group the host serves: {@code node}, or a pod's or container's. */
    public Path group() {
        return path.resolve("group");
    }

    public Path log() {
        return path.resolve("host.log");
    }

    public Path upgradeState() {
        return path.resolve("upgrade-state.pb");
    }
}

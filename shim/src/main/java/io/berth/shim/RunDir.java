package io.berth.shim;

import java.nio.file.Path;

/**
 * The files of one container shim in its run dir. berthd and the host agree on these names; berthd reads
 * the exit file, the pid file and which host carries the container after a restart, even when that host is
 * gone.
 */
public record RunDir(Path path) {
    /** The {@code ShimConfig} the launcher wrote for the shim. */
    public Path config() {
        return path.resolve("shim-config.pb");
    }

    /** The dir of the shim host that carries this container (see {@link HostDir}). */
    public Path host() {
        return path.resolve("host");
    }

    /** The container init's pid, written by the runtime ({@code --pid-file}). */
    public Path containerPid() {
        return path.resolve("container.pid");
    }

    /** The container's exit status, written before anyone is told of the exit. */
    public Path exitFile() {
        return path.resolve("exit");
    }

    /** Why the shim could not create the container, when it could not. */
    public Path createError() {
        return path.resolve("create-error");
    }

    /** The runtime's log ({@code runc --log}), where its errors are found. */
    public Path runtimeLog() {
        return path.resolve("runtime.log");
    }

    public Path consoleSocket() {
        return path.resolve("console.sock");
    }
}

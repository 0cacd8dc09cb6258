package io.berth.shim;

import java.nio.file.Path;

/**
 * The files of one shim in its run dir. berthd and the shim agree on these names; berthd reads the exit
 * file and the pid files after a restart, even when the shim is gone.
 */
public record RunDir(Path path) {
    /** The {@code ShimConfig} the launcher wrote for the shim. */
    public Path config() {
        return path.resolve("shim-config.pb");
    }

    /** The control socket. */
    public Path socket() {
        return path.resolve("shim.sock");
    }

    public Path shimPid() {
        return path.resolve("shim.pid");
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

    /** The shim's own stdout and stderr. */
    public Path shimLog() {
        return path.resolve("shim.log");
    }

    /** The runtime's log ({@code runc --log}), where its errors are found. */
    public Path runtimeLog() {
        return path.resolve("runtime.log");
    }

    public Path consoleSocket() {
        return path.resolve("console.sock");
    }
}

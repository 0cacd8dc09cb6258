package io.berth.shim;

import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import io.berth.linux.Terminals;
import io.berth.shim.api.ShimConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Has the runtime create a container with its stdio in place: pipes whose read ends the host's loop pumps to
 * the CRI log and attachers, or a terminal whose master the runtime sends over the console socket. The
 * container only exists once this returns its init's pid; the caller undoes a failure.
 */
final class RuntimeCreation {
    private final ShimConfig config;
    private final RunDir runDir;
    private final RuntimeInvoker runtime;
    private final HostServices host;
    private final CriLog log;

    RuntimeCreation(ShimConfig config, RunDir runDir, RuntimeInvoker runtime, HostServices host, CriLog log) {
        this.config = config;
        this.runDir = runDir;
        this.runtime = runtime;
        this.host = host;
        this.log = log;
    }

    /** Returns the pid of the container's init. */
    int create(ContainerStdio stdio, AttachHub attachers) throws IOException {
        return config.getTty() ? withTerminal(stdio, attachers) : withPipes(stdio, attachers);
    }

    private int withPipes(ContainerStdio stdio, AttachHub attachers) throws IOException {
        FileDescriptors.Pipe in = config.getStdin() ? FileDescriptors.pipe() : null;
        FileDescriptors.Pipe out = FileDescriptors.pipe();
        FileDescriptors.Pipe err = FileDescriptors.pipe();
        int devNull = FileDescriptors.openReadWrite("/dev/null");
        int initPid;
        try {
            // Pump before the runtime runs: its own error text goes to these pipes and must not block it.
            stdio.pumpPipes(host.loop(), out.readEnd(), err.readEnd(), log, attachers);
            initPid = runtime.create(config.getId(), bundle(), runDir.containerPid(), null,
                    in != null ? in.readEnd() : devNull, out.writeEnd(), err.writeEnd());
        } catch (IOException | RuntimeException e) {
            if (in != null) {
                FileDescriptors.closeQuietly(in.writeEnd());
            }
            throw e;
        } finally {
            // Only the container may hold the write ends, so its exit is our end of file.
            FileDescriptors.closeQuietly(out.writeEnd());
            FileDescriptors.closeQuietly(err.writeEnd());
            FileDescriptors.closeQuietly(devNull);
            if (in != null) {
                FileDescriptors.closeQuietly(in.readEnd());
            }
        }
        if (in != null) {
            stdio.stdinPipe(host.loop(), in.writeEnd());
        }
        return initPid;
    }

    private int withTerminal(ContainerStdio stdio, AttachHub attachers) throws IOException {
        Files.deleteIfExists(runDir.consoleSocket());
        int master;
        int initPid;
        try (Terminals.ConsoleSocket socket = Terminals.ConsoleSocket.listen(runDir.consoleSocket())) {
            int devNull = FileDescriptors.openReadWrite("/dev/null");
            try {
                initPid = runtime.create(config.getId(), bundle(), runDir.containerPid(), socket.path(), devNull,
                        devNull, devNull);
            } finally {
                FileDescriptors.closeQuietly(devNull);
            }
            try {
                master = socket.receiveFd();
            } catch (ErrnoException e) {
                runtime.delete(config.getId(), true);
                throw new IOException("the runtime created " + config.getId() + " but sent no terminal: "
                        + e.getMessage(), e);
            }
        }
        stdio.pumpTerminal(host.loop(), master, config.getStdin(), log, attachers);
        return initPid;
    }

    private Path bundle() {
        return Path.of(config.getBundle());
    }
}

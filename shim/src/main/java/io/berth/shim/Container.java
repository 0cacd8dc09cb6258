package io.berth.shim;

import io.berth.linux.ChildProcesses.WaitStatus;
import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import io.berth.shim.api.Error;
import io.berth.shim.api.ExecRequest;
import io.berth.shim.api.ExitStatus;
import io.berth.shim.api.HeldContainer;
import io.berth.shim.api.ShimConfig;
import io.berth.shim.api.State;
import io.berth.shim.api.Status;
import io.berth.shim.api.StdioFds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One container shim inside a host: the container's rootfs mounts, its stdio, its lifecycle through the
 * runtime, and its exit. Runtime commands are serialized on {@link #operations}; the status fields are
 * guarded by {@code this}, so state queries never wait behind a runtime command. A container is created
 * here, adopted from a host that died (then it is not this process's child: {@link #foreign}), or resumed
 * after the host re-executed itself.
 */
final class Container {
    private static final long STDIO_DRAIN_MILLIS = 2000;
    private static final long EXIT_AFTER_DELETE_SECONDS = 10;

    private final ShimConfig config;
    private final RunDir runDir;
    private final RuntimeInvoker runtime;
    private final HostServices host;
    private final CriLog log;
    private final Object operations = new Object();
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    private final ContainerStdio stdio = new ContainerStdio();
    private final AttachHub attachers;
    private final AtomicInteger execCount = new AtomicInteger();
    private final Rootfs rootfs;
    private final boolean childrenOutliveInit;

    private Status status = Status.STATUS_UNKNOWN;
    private int pid;
    private boolean foreign;
    private ExitStatus exitStatus;
    private Optional<OomWatcher> oom = Optional.empty();

    Container(ShimConfig config, RunDir runDir, RuntimeInvoker runtime, HostServices host, CriLog log) {
        this.config = config;
        this.runDir = runDir;
        this.runtime = runtime;
        this.host = host;
        this.log = log;
        this.attachers = new AttachHub(host.loop(), new Stdio(), config.getStdinOnce());
        this.rootfs = new Rootfs(Path.of(config.getBundle()), config.getRootfsList());
        // Read once here, not at the exit, which must be reported without delay.
        this.childrenOutliveInit = PidNamespaceSharing.childrenOutliveInit(bundle());
    }

    /** Mounts the rootfs and has the runtime create the container; on failure nothing is left behind. */
    void create() throws IOException {
        synchronized (operations) {
            rootfs.mount();
            int initPid;
            try {
                try {
                    initPid = new RuntimeCreation(config, runDir, runtime, host, log).create(stdio, attachers);
                } catch (IOException e) {
                    throw withWhatTheRuntimeSaid(e);
                }
            } catch (IOException | RuntimeException e) {
                // A runtime killed or lying half-way may have left its state (and a waiting init) behind.
                deleteQuietly();
                stdio.close(host.loop());
                rootfs.unmount();
                throw e;
            }
            track(initPid, Status.STATUS_CREATED, false);
        }
    }

    /**
     * The runtime's own error text goes to the container's stderr (its stdio is the container's), where only the
     * CRI log would keep it; the error that travels back to the CRI client quotes it, as the runtime's --log may
     * say nothing (a runtime other than runc, or one that failed before it opened its log).
     */
    private IOException withWhatTheRuntimeSaid(IOException failure) {
        stdio.drained(host.loop(), STDIO_DRAIN_MILLIS).join(); // on the worker running the create
        String said = log.stderrTail();
        return said.isEmpty() ? failure : new IOException(failure.getMessage() + "; on stderr: " + said, failure);
    }

    private void deleteQuietly() {
        try {
            runtime.delete(config.getId(), true);
        } catch (IOException e) {
            ShimLog.info("after the failed create, " + e.getMessage());
        }
    }

    /**
     * Takes over a running container whose host died: {@code fds} are the output ends berthd kept, in the
     * order {@code roles} names them. Its init is not this process's child, so when it exits the exit code
     * is unknown.
     */
    void adopt(StdioFds roles, int[] fds) throws IOException {
        synchronized (operations) {
            int initPid = Integer.parseInt(Files.readString(runDir.containerPid()).trim());
            int out = -1;
            int err = -1;
            for (int i = 0; i < roles.getRolesCount(); i++) {
                switch (roles.getRoles(i)) {
                    case STDOUT -> out = fds[i];
                    case STDERR -> err = fds[i];
                    case TERMINAL -> stdio.pumpTerminal(host.loop(), fds[i], config.getStdin(), log, attachers);
                    default -> FileDescriptors.closeQuietly(fds[i]);
                }
            }
            stdio.pumpPipes(host.loop(), out, err, log, attachers);
            rootfs.adopt(config.getRootfsCount()); // mounted by the host that died, still in place
            Status now = runtime.isCreatedOnly(config.getId()) ? Status.STATUS_CREATED : Status.STATUS_RUNNING;
            track(initPid, now, true);
        }
    }

    /** Takes over the container as the previous program image of this same process held it. */
    void resume(HeldContainer held) throws IOException {
        synchronized (operations) {
            rootfs.adopt(held.getRootfsMounts());
            if (held.getTerminalFd() >= 0) {
                stdio.pumpTerminal(host.loop(), held.getTerminalFd(), config.getStdin(), log, attachers);
            }
            stdio.pumpPipes(host.loop(), held.getStdoutFd(), held.getStderrFd(), log, attachers);
            if (held.getStdinFd() >= 0) {
                stdio.stdinPipe(host.loop(), held.getStdinFd());
            }
            for (int fd : new int[] {held.getStdoutFd(), held.getStderrFd(), held.getStdinFd(), held.getTerminalFd()}) {
                if (fd >= 0) {
                    FileDescriptors.setCloseOnExec(fd, true);
                }
            }
            if (held.getStatus() == Status.STATUS_STOPPED) {
                synchronized (this) {
                    pid = held.getPid();
                    status = Status.STATUS_STOPPED;
                    exitStatus = held.getExit();
                }
                exit.complete(held.getExit());
                attachers.finish(held.getExit().getExitCode());
                return;
            }
            track(held.getPid(), held.getStatus(), held.getForeign());
        }
    }

    private void track(int initPid, Status initial, boolean adopted) {
        oom = OomWatcher.watch(initPid, host.loop());
        synchronized (this) {
            pid = initPid;
            status = initial;
            foreign = adopted;
        }
        if (adopted) {
            host.reaper().exitOfForeign(initPid)
                    .thenAcceptAsync(s -> recordExit(s.orElse(null)), host.workers());
        } else {
            host.reaper().exitOf(initPid).thenAcceptAsync(this::recordExit, host.workers());
        }
    }

    void start() throws IOException, ShimOperationException {
        synchronized (operations) {
            requireStatus(Status.STATUS_CREATED, "start");
            runtime.start(config.getId());
            synchronized (this) {
                if (status == Status.STATUS_CREATED) { // unless it already exited
                    status = Status.STATUS_RUNNING;
                }
            }
        }
    }

    /** Signals the container; a container that has already exited is left alone (kill is idempotent). */
    void kill(int signal, boolean all) throws IOException {
        synchronized (operations) {
            if (exit.isDone()) {
                return;
            }
            try {
                runtime.kill(config.getId(), signal, all);
            } catch (IOException e) {
                if (!exit.isDone()) { // else it raced with the exit, which is what the caller wanted
                    throw e;
                }
            }
        }
    }

    void resize(int columns, int rows) throws IOException, ShimOperationException {
        if (!stdio.resizeTerminal(columns, rows)) {
            throw ShimOperationException.failedPrecondition("container " + config.getId() + " has no terminal");
        }
    }

    /**
     * A log that cannot be opened again (its directory gone, a symlink in its place) is the state of the node, not
     * a fault of the shim: the old file stays in use and the caller is told why.
     */
    void reopenLog() throws ShimOperationException {
        try {
            log.reopen();
        } catch (IOException e) {
            throw new ShimOperationException(Error.Code.FAILED_PRECONDITION, e.getMessage()
                    + "; the log is still written to the file opened before");
        }
    }

    void closeStdin() {
        stdio.closeStdin();
    }

    /** The output descriptors berthd keeps duplicates of, and which is which. */
    ContainerStdio stdio() {
        return stdio;
    }

    /**
     * A new exec in this running container, its process spec written; {@link ExecProcess#start()} starts it.
     * Exec ids are short ({@code e<n>}) because they name sockets in the run dir, under the 108-byte limit.
     */
    ExecProcess exec(ExecRequest request, int connection) throws IOException, ShimOperationException {
        requireStatus(Status.STATUS_RUNNING, "exec in");
        ExecProcess session = new ExecProcess("e" + execCount.incrementAndGet(), request, config.getId(), bundle(),
                runDir, runtime, host.reaper(), host.loop(), connection);
        session.prepare();
        return session;
    }

    AttachHub attachers() {
        return attachers;
    }

    String id() {
        return config.getId();
    }

    RunDir runDir() {
        return runDir;
    }

    ShimConfig config() {
        return config;
    }

    /**
     * Deletes the container from the runtime, waits for its exit to be recorded, releases its stdio and
     * unmounts the rootfs. A running container needs {@code force}.
     */
    void delete(boolean force) throws IOException, ShimOperationException {
        synchronized (operations) {
            synchronized (this) {
                if (status == Status.STATUS_RUNNING && !exit.isDone() && !force) {
                    throw ShimOperationException.failedPrecondition("container " + config.getId()
                            + " is running: stop it first or delete with force");
                }
            }
            runtime.delete(config.getId(), force);
            try {
                exit.get(EXIT_AFTER_DELETE_SECONDS, TimeUnit.SECONDS);
                stdio.close(host.loop()).get(EXIT_AFTER_DELETE_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                ShimLog.error("exit of " + config.getId() + " not recorded after delete: " + e);
            }
            rootfs.unmount();
            log.close();
        }
    }

    CompletableFuture<ExitStatus> exit() {
        return exit;
    }

    synchronized State state() {
        State.Builder state = State.newBuilder().setId(config.getId()).setPid(pid).setStatus(status)
                .setShimPid((int) ProcessHandle.current().pid()).setTty(config.getTty())
                .setRunDir(runDir.path().toString()).setForeign(foreign);
        if (exitStatus != null) {
            state.setExit(exitStatus);
        }
        return state.build();
    }

    /** What the next program image of this process needs to take the container over. On the loop thread. */
    HeldContainer hold() throws ErrnoException {
        HeldContainer.Builder held = HeldContainer.newBuilder().setRunDir(runDir.path().toString())
                .setRootfsMounts(rootfs.mounted());
        synchronized (this) {
            held.setPid(pid).setStatus(status).setForeign(foreign);
            if (exitStatus != null) {
                held.setExit(exitStatus);
            }
        }
        stdio.hold(held);
        return held.build();
    }

    /**
     * Records the exit, on a worker: the exit file, and what the init left in a shared pid namespace. {@code
     * waitStatus} is null when the container was not this process's child: its exit code is lost.
     */
    private void recordExit(WaitStatus waitStatus) {
        boolean oomKilled = oom.map(OomWatcher::oomKilled).orElse(false);
        ExitStatus exitNow = waitStatus == null ? ExitStatuses.unknown(Instant.now())
                : ExitStatuses.of(waitStatus, oomKilled, Instant.now());
        try {
            ExitFile.write(runDir.exitFile(), exitNow);
        } catch (IOException e) {
            ShimLog.error("cannot record the exit of " + config.getId() + ": " + e);
        }
        // Before the exit is reported, so that EXITED means nothing of the container runs any more.
        if (childrenOutliveInit) {
            PidNamespaceSharing.killWhatTheInitLeft(runtime, config.getId());
        }
        // Report the exit only once its last output is in the log; no thread waits for that meanwhile.
        stdio.drained(host.loop(), STDIO_DRAIN_MILLIS).thenRunAsync(() -> reportExit(exitNow), host.workers());
    }

    /** Reports the exit, on a worker: those waiting for it (a Wait request's answer) may block. */
    private void reportExit(ExitStatus exitNow) {
        synchronized (this) {
            status = Status.STATUS_STOPPED;
            exitStatus = exitNow;
        }
        ShimLog.info("container " + config.getId() + " exited: " + exitNow.getExitCode() + " ("
                + exitNow.getReason() + ")");
        exit.complete(exitNow);
        attachers.finish(exitNow.getExitCode());
        host.exited().accept(this);
    }

    /** The container's stdio as attachers use it: failures are the attacher's loss, not an error to report. */
    private final class Stdio implements AttachHub.ContainerStdio {
        @Override
        public boolean writeStdin(byte[] data, Runnable written) {
            StdinWriter writer = stdio.stdinWriter();
            return writer == null || writer.write(data, written);
        }

        @Override
        public void closeStdin() {
            Container.this.closeStdin();
        }

        @Override
        public void resize(int width, int height) {
            try {
                stdio.resizeTerminal(width, height);
            } catch (ErrnoException e) {
                ShimLog.error("attach resize of " + config.getId() + " failed: " + e.getMessage());
            }
        }
    }

    private void requireStatus(Status wanted, String operation) throws ShimOperationException {
        synchronized (this) {
            if (status != wanted) {
                throw ShimOperationException.failedPrecondition("cannot " + operation + " container "
                        + config.getId() + ": it is " + status.name().substring("STATUS_".length()).toLowerCase());
            }
        }
    }

    private Path bundle() {
        return Path.of(config.getBundle());
    }
}

package io.berth.shim;

import io.berth.linux.ChildProcesses.WaitStatus;
import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import io.berth.linux.ShimMounts;
import io.berth.linux.Terminals;
import io.berth.shim.api.ExecRequest;
import io.berth.shim.api.ExitStatus;
import io.berth.shim.api.Mount;
import io.berth.shim.api.ShimConfig;
import io.berth.shim.api.State;
import io.berth.shim.api.Status;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one container a shim owns: its rootfs mounts, its stdio, its lifecycle through the runtime, and
 * its exit. Runtime commands are serialized on {@link #operations}; the status fields are guarded by
 * {@code this}, so state queries never wait behind a runtime command.
 */
final class Container {
    private static final long STDIO_DRAIN_SECONDS = 2;
    private static final long EXIT_AFTER_DELETE_SECONDS = 10;

    private final ShimConfig config;
    private final RunDir runDir;
    private final RuntimeInvoker runtime;
    private final Reaper reaper;
    private final CriLog log;
    private final Object operations = new Object();
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    private final List<LinePump> pumps = new ArrayList<>();
    private final List<Integer> outputFds = new ArrayList<>();
    private final AttachHub attachers;
    private final AtomicInteger execCount = new AtomicInteger();

    private Status status = Status.STATUS_UNKNOWN;
    private int pid;
    private ExitStatus exitStatus;
    /** The container's stdin: a pipe's write end, or the terminal master; null without stdin. */
    private SharedFd stdin;
    private StdinWriter stdinWriter;
    private int terminalFd = -1;
    private SharedFd terminal;
    private int rootfsMounts;
    private Optional<OomWatcher> oom = Optional.empty();

    Container(ShimConfig config, RunDir runDir, RuntimeInvoker runtime, Reaper reaper, CriLog log) {
        this.config = config;
        this.runDir = runDir;
        this.runtime = runtime;
        this.reaper = reaper;
        this.log = log;
        this.attachers = new AttachHub(new Stdio(), config.getStdinOnce());
    }

    /** Mounts the rootfs and has the runtime create the container; on failure nothing is left behind. */
    void create() throws IOException {
        synchronized (operations) {
            mountRootfs();
            try {
                if (config.getTty()) {
                    createWithTerminal();
                } else {
                    createWithPipes();
                }
            } catch (IOException | RuntimeException e) {
                unmountRootfs();
                throw e;
            }
            int initPid = Integer.parseInt(Files.readString(runDir.containerPid()).trim());
            oom = OomWatcher.watch(initPid);
            synchronized (this) {
                pid = initPid;
                status = Status.STATUS_CREATED;
            }
            // The reaper thread completes this; recording waits on disk and stdio, so it gets its own thread.
            reaper.exitOf(initPid).thenAccept(s -> new Thread(() -> recordExit(s), "exit-recorder").start());
        }
    }

    private void createWithPipes() throws IOException {
        FileDescriptors.Pipe in = config.getStdin() ? FileDescriptors.pipe() : null;
        FileDescriptors.Pipe out = FileDescriptors.pipe();
        FileDescriptors.Pipe err = FileDescriptors.pipe();
        int devNull = FileDescriptors.openReadWrite("/dev/null");
        outputFds.add(out.readEnd());
        outputFds.add(err.readEnd());
        // Pump before the runtime runs: its own error text goes to these pipes and must not block it.
        pumps.add(LinePump.start(out.readEnd(), CriLog.Stream.STDOUT, log, attachers));
        pumps.add(LinePump.start(err.readEnd(), CriLog.Stream.STDERR, log, attachers));
        try {
            runtime.create(config.getId(), bundle(), runDir.containerPid(), null,
                    in != null ? in.readEnd() : devNull, out.writeEnd(), err.writeEnd());
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
            setStdin(new SharedFd(in.writeEnd()));
        }
    }

    private void createWithTerminal() throws IOException {
        Files.deleteIfExists(runDir.consoleSocket());
        try (Terminals.ConsoleSocket socket = Terminals.ConsoleSocket.listen(runDir.consoleSocket())) {
            int devNull = FileDescriptors.openReadWrite("/dev/null");
            try {
                runtime.create(config.getId(), bundle(), runDir.containerPid(), socket.path(), devNull, devNull,
                        devNull);
            } finally {
                FileDescriptors.closeQuietly(devNull);
            }
            try {
                terminalFd = socket.receiveFd();
            } catch (ErrnoException e) {
                runtime.delete(config.getId(), true);
                throw new IOException("the runtime created " + config.getId() + " but sent no terminal: "
                        + e.getMessage(), e);
            }
        }
        terminal = new SharedFd(terminalFd);
        if (config.getStdin()) {
            setStdin(terminal);
        }
        pumps.add(LinePump.start(terminalFd, CriLog.Stream.STDOUT, log, attachers));
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
        synchronized (operations) {
            if (terminalFd < 0) {
                throw ShimOperationException.failedPrecondition("container " + config.getId() + " has no terminal");
            }
            Terminals.setWindowSize(terminalFd, new Terminals.WindowSize(rows, columns));
        }
    }

    void reopenLog() throws IOException {
        log.reopen();
    }

    /** Ends the container's stdin (EOF). With a terminal there is no separate stdin to close. */
    synchronized void closeStdin() {
        if (stdin != null && stdin != terminal) {
            stdin.close();
        }
    }

    private synchronized void setStdin(SharedFd fd) {
        stdin = fd;
        stdinWriter = new StdinWriter(fd);
    }

    /** Where attachers write; none when the container was created without stdin. */
    private synchronized StdinWriter stdinWriter() {
        return stdinWriter;
    }

    /**
     * A new exec in this running container, its process spec written; {@link ExecSession#run()} starts it.
     * Exec ids are short ({@code e<n>}) because they name sockets in the run dir, under the 108-byte limit.
     */
    ExecSession exec(ExecRequest request, SocketChannel connection) throws IOException, ShimOperationException {
        requireStatus(Status.STATUS_RUNNING, "exec in");
        ExecSession session = new ExecSession("e" + execCount.incrementAndGet(), request, config.getId(), bundle(),
                runDir, runtime, reaper, connection);
        session.prepare();
        return session;
    }

    AttachHub attachers() {
        return attachers;
    }

    String id() {
        return config.getId();
    }

    Path bundlePath() {
        return bundle();
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
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                ShimLog.error("exit of " + config.getId() + " not recorded after delete: " + e);
            }
            synchronized (this) {
                if (stdin != null) {
                    stdin.close();
                }
                if (terminal != null) {
                    terminal.close(); // once no attacher is writing to it
                }
            }
            outputFds.forEach(FileDescriptors::closeQuietly);
            unmountRootfs();
            log.close();
        }
    }

    CompletableFuture<ExitStatus> exit() {
        return exit;
    }

    synchronized State state() {
        State.Builder state = State.newBuilder().setId(config.getId()).setPid(pid).setStatus(status)
                .setShimPid((int) ProcessHandle.current().pid()).setTty(config.getTty());
        if (exitStatus != null) {
            state.setExit(exitStatus);
        }
        return state.build();
    }

    private void recordExit(WaitStatus waitStatus) {
        boolean oomKilled = oom.map(OomWatcher::oomKilled).orElse(false);
        int code = waitStatus.shellExitCode();
        ExitStatus recorded = ExitStatus.newBuilder()
                .setExitCode(code)
                .setSignal(waitStatus.signal())
                .setExitedAtUnixNanos(nanos(Instant.now()))
                .setReason(oomKilled ? "OOMKilled" : code == 0 ? "Completed" : "Error")
                .build();
        try {
            ExitFile.write(runDir.exitFile(), recorded);
        } catch (IOException e) {
            ShimLog.error("cannot record the exit of " + config.getId() + ": " + e);
        }
        // Report the exit only once its last output is in the log. Bounded: a process outside the
        // container's pid namespace may hold the pipes open forever.
        for (LinePump pump : pumps) {
            try {
                pump.awaitEnd(STDIO_DRAIN_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            status = Status.STATUS_STOPPED;
            exitStatus = recorded;
        }
        ShimLog.info("container " + config.getId() + " exited: " + code + " (" + recorded.getReason() + ")");
        exit.complete(recorded);
        attachers.finish(code);
    }

    /** The container's stdio as attachers use it: failures are the attacher's loss, not an error to report. */
    private final class Stdio implements AttachHub.ContainerStdio {
        @Override
        public void writeStdin(byte[] data) {
            StdinWriter writer = stdinWriter();
            if (writer != null) {
                writer.write(data);
            }
        }

        @Override
        public void closeStdin() {
            Container.this.closeStdin();
        }

        @Override
        public void resize(int width, int height) {
            try {
                Container.this.resize(width, height);
            } catch (IOException | ShimOperationException e) {
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

    private void mountRootfs() throws IOException {
        Path rootfs = bundle().resolve("rootfs");
        Files.createDirectories(rootfs);
        for (Mount mount : config.getRootfsList()) {
            try {
                ShimMounts.mount(mount.getType(), mount.getSource(), mount.getOptionsList(), rootfs.toString());
            } catch (ErrnoException e) {
                unmountRootfs();
                throw e;
            }
            rootfsMounts++;
        }
    }

    private void unmountRootfs() {
        String rootfs = bundle().resolve("rootfs").toString();
        for (; rootfsMounts > 0; rootfsMounts--) {
            try {
                ShimMounts.detach(rootfs);
            } catch (ErrnoException e) {
                ShimLog.error("cannot unmount " + rootfs + ": " + e.getMessage());
            }
        }
    }

    private static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
}

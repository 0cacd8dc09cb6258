package io.berth.shim;

import io.berth.linux.ChildProcesses.WaitStatus;
import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import io.berth.linux.Posix;
import io.berth.linux.Terminals;
import io.berth.shim.api.ExecRequest;
import io.berth.shim.stdio.Frame;
import io.berth.shim.stdio.ProtocolException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One exec'd process and the connection that carries its stdio. The runtime starts it detached
 * ({@code runc exec --detach --pid-file}) on the worker that took the request; from then on the session
 * is served on the event loop and holds no thread: its output pumps, its connection, its stdin and its
 * exit (through the host's one {@link Reaper}; the process is re-parented to the shim, a child
 * subreaper). The connection is the session: the client closing it (or sending KILL) kills the process,
 * and the process's exit code is the last frame sent.
 *
 * <p>Bounds: at most {@link #OUTPUT_BYTES} of output wait for a slow client (then the pumps pause and
 * the process waits in its write), and one client frame at a time waits for the process to read its
 * stdin (then the connection stops reading).
 */
final class ExecProcess implements StreamConnection.Session, OutputPump.Sink {
    /** Output queued for the client beyond what the socket holds; past it the pumps pause. */
    static final int OUTPUT_BYTES = 64 * 1024;
    /** After the exit, how long a stream may sit silent before a leftover child is assumed to hold it. */
    private static final long DRAIN_QUIET_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long DRAIN_CHECK_MILLIS = 250;

    /** What the worker learnt starting the process, handed to the loop. */
    private record Started(int runtimeExit, int pid, SharedFd stdin, SharedFd terminal) {}

    private final String execId;
    private final ExecRequest request;
    private final String containerId;
    private final Path bundle;
    private final RunDir runDir;
    private final RuntimeInvoker runtime;
    private final Reaper reaper;
    private final EventLoop loop;
    private final StreamConnection connection;
    // From here on, touched on the loop thread only.
    private final List<OutputPump> pumps = new ArrayList<>();
    private SharedFd stdin;
    private StdinWriter stdinWriter;
    private SharedFd terminal;
    /** The exec'd process once the runtime started it; 0 before, and while the runtime runs. */
    private int pid;
    private int pendingSignal;
    /** Set once the process exited (or never started); the session then waits for its output. */
    private Integer exitCode;
    private long exitNanos;
    private boolean drainCheckScheduled;
    private boolean finished;

    ExecProcess(String execId, ExecRequest request, String containerId, Path bundle, RunDir runDir,
            RuntimeInvoker runtime, Reaper reaper, EventLoop loop, int connection) {
        this.execId = execId;
        this.request = request;
        this.containerId = containerId;
        this.bundle = bundle;
        this.runDir = runDir;
        this.runtime = runtime;
        this.reaper = reaper;
        this.loop = loop;
        this.connection = new StreamConnection(loop, connection, this);
    }

    /** Writes the process spec; a bad request fails here, before the client is told the stream is ready. */
    void prepare() throws IOException {
        Files.write(processJson(), ExecProcessJson.build(bundle.resolve("config.json"), request));
    }

    /**
     * Starts the process, on the calling worker for as long as the runtime runs, after the client was told
     * the stream is ready; the connection is the session's from now on. Returns once the runtime is done.
     */
    void start() {
        try {
            Started started = request.getTty() ? startWithTerminal() : startWithPipes();
            loop.execute(() -> started(started));
        } catch (IOException | RuntimeException e) {
            loop.execute(() -> failed(e));
        }
    }

    /** {@code runc exec} with stdio pipes the process inherits. */
    private Started startWithPipes() throws IOException {
        FileDescriptors.Pipe in = request.getStdin() ? FileDescriptors.pipe() : null;
        FileDescriptors.Pipe stdout = FileDescriptors.pipe();
        FileDescriptors.Pipe stderr = FileDescriptors.pipe();
        int devNull = FileDescriptors.openReadWrite("/dev/null");
        // Pump before the runtime runs: its own error text (e.g. no such command) goes to stderr.
        SharedFd out = new SharedFd(stdout.readEnd());
        SharedFd err = new SharedFd(stderr.readEnd());
        loop.execute(() -> {
            connection.start();
            pump(out, Frame.Type.STDOUT);
            pump(err, Frame.Type.STDERR);
        });
        SharedFd stdinEnd = null;
        try {
            if (in != null) {
                FileDescriptors.setNonBlocking(in.writeEnd(), true); // the process's end stays blocking
                stdinEnd = new SharedFd(in.writeEnd());
            }
            int code = runtime.exec(containerId, processJson(), pidFile(), null, in != null ? in.readEnd() : devNull,
                    stdout.writeEnd(), stderr.writeEnd()).shellExitCode();
            return new Started(code, code == 0 ? startedPid() : 0, stdinEnd, null);
        } catch (IOException | RuntimeException e) {
            if (stdinEnd != null) {
                stdinEnd.close();
            } else if (in != null) {
                FileDescriptors.closeQuietly(in.writeEnd());
            }
            throw e;
        } finally {
            // Only the process may hold the write ends, so its exit is our end of file.
            FileDescriptors.closeQuietly(stdout.writeEnd());
            FileDescriptors.closeQuietly(stderr.writeEnd());
            FileDescriptors.closeQuietly(devNull);
            if (in != null) {
                FileDescriptors.closeQuietly(in.readEnd());
            }
        }
    }

    /** {@code runc exec} with a terminal, whose master comes back over a console socket. */
    private Started startWithTerminal() throws IOException {
        Files.deleteIfExists(consoleSocket());
        FileDescriptors.Pipe said = FileDescriptors.pipe();
        int devNull = FileDescriptors.openReadWrite("/dev/null");
        // The runtime's own output (its error, if it cannot start the process) is shown on the terminal.
        SharedFd saidEnd = new SharedFd(said.readEnd());
        loop.execute(() -> {
            connection.start();
            pump(saidEnd, Frame.Type.STDOUT);
        });
        try (Terminals.ConsoleSocket socket = Terminals.ConsoleSocket.listen(consoleSocket())) {
            int code;
            try {
                code = runtime.exec(containerId, processJson(), pidFile(), socket.path(), devNull, said.writeEnd(),
                        said.writeEnd()).shellExitCode();
            } finally {
                FileDescriptors.closeQuietly(said.writeEnd());
                FileDescriptors.closeQuietly(devNull);
            }
            if (code != 0) {
                return new Started(code, 0, null, null);
            }
            int master = socket.receiveFd();
            if (request.getWidth() > 0 && request.getHeight() > 0) {
                Terminals.setWindowSize(master, new Terminals.WindowSize(request.getHeight(), request.getWidth()));
            }
            SharedFd shared = new SharedFd(master);
            return new Started(0, startedPid(), request.getStdin() ? shared : null, shared);
        }
    }

    /** The process the runtime started: its pid is in the pid file the runtime wrote. */
    private int startedPid() throws IOException {
        return Integer.parseInt(Files.readString(pidFile()).trim());
    }

    private void pump(SharedFd fd, Frame.Type type) {
        try {
            pumps.add(OutputPump.start(loop, fd, type, this));
        } catch (ErrnoException e) {
            ShimLog.error("cannot pump exec " + execId + " " + type + ": " + e.getMessage());
            fd.close();
        }
    }

    private void started(Started started) {
        terminal = started.terminal();
        stdin = started.stdin();
        if (stdin != null) {
            stdinWriter = new StdinWriter(loop, stdin);
        }
        if (terminal != null) {
            pump(terminal, Frame.Type.STDOUT);
        }
        if (started.runtimeExit() != 0) {
            exited(started.runtimeExit());
            return;
        }
        pid = started.pid();
        if (pendingSignal != 0) {
            kill(pendingSignal);
        }
        // Only now is there a stdin (or terminal) to give client frames to; until then they wait in the socket.
        connection.readInput(true);
        reaper.exitOf(pid).whenComplete((WaitStatus status, Throwable failure) -> loop.execute(() -> {
            if (failure != null) {
                ShimLog.error("waiting for exec " + execId + " failed: " + failure);
            }
            exited(failure == null ? status.shellExitCode() : 255);
        }));
    }

    private void failed(Exception e) {
        ShimLog.error("exec " + execId + " in " + containerId + " failed: " + e);
        byte[] notice = ("berth: exec failed in the shim: " + e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8);
        connection.send(Frame.Type.STDERR, ByteBuffer.wrap(notice));
        exited(255);
    }

    private void exited(int code) {
        if (exitCode != null) {
            return;
        }
        exitCode = code;
        exitNanos = System.nanoTime();
        pid = -1; // reaped: the number may belong to someone else now
        removeFiles(); // before the exit is told, so that a client that saw it sees a clean run dir
        finishWhenDrained();
    }

    /**
     * Sends the exit once everything the process wrote was sent. A pump still copying (the client reads
     * slowly) is waited for; one that has had nothing to read for a while since the exit is given up on:
     * a leftover child of the process holds its descriptor open.
     */
    private void finishWhenDrained() {
        if (finished || exitCode == null) {
            return;
        }
        boolean waiting = false;
        for (OutputPump pump : List.copyOf(pumps)) {
            if (!pump.ended() && pump.quietSince(exitNanos, DRAIN_QUIET_NANOS)) {
                pump.end();
            }
            waiting |= !pump.ended();
        }
        if (waiting) {
            if (!drainCheckScheduled) {
                drainCheckScheduled = true;
                loop.schedule(DRAIN_CHECK_MILLIS, () -> {
                    drainCheckScheduled = false;
                    finishWhenDrained();
                });
            }
            return;
        }
        finished = true;
        connection.finish(Frame.exit(exitCode));
        if (stdinWriter != null) {
            stdinWriter.close();
        } else if (stdin != null) {
            stdin.close();
        }
        if (terminal != null) {
            terminal.close();
        }
        removeFiles();
    }

    @Override
    public boolean output(Frame.Type type, ByteBuffer chunk) {
        if (connection.isGone()) {
            return true; // nobody to copy to: drained so that the process is not held
        }
        connection.send(type, chunk);
        return connection.queued() < OUTPUT_BYTES;
    }

    @Override
    public void ended(OutputPump pump) {
        finishWhenDrained();
    }

    @Override
    public void drained() {
        if (connection.queued() < OUTPUT_BYTES) {
            pumps.forEach(OutputPump::resume);
        }
    }

    @Override
    public void frame(Frame frame) throws ProtocolException {
        switch (frame.type()) {
            case STDIN -> writeStdin(frame.payload());
            case CLOSE_STDIN -> closeStdin();
            case RESIZE -> resize(frame.intAt(0), frame.intAt(1));
            case KILL -> kill(frame.intAt(0));
            default -> throw new ProtocolException("a client does not send " + frame.type());
        }
    }

    /** The client went away or sent garbage: nobody can see the output, so the process is killed. */
    @Override
    public void clientGone() {
        kill(Posix.SIGKILL);
        pumps.forEach(OutputPump::resume); // what is left is read and dropped, not waited for
        if (finished) {
            connection.close();
        }
    }

    /** Signals the process; before it exists the signal waits for it, after its exit it is dropped. */
    private void kill(int signal) {
        if (pid < 0) {
            return;
        }
        if (pid == 0) {
            pendingSignal = signal;
            return;
        }
        try {
            // Not yet reaped, so the pid is still this process's even if it has exited.
            Posix.kill(pid, signal);
        } catch (ErrnoException e) {
            ShimLog.error("cannot signal exec " + execId + " (pid " + pid + "): " + e.getMessage());
        }
        try {
            // The runtime starts the process as the leader of its own session and process group (runc's
            // nsexec calls setsid), so the group holds what it started: the children of a timed-out probe
            // script or of a shell whose client left must not run on in the container.
            Posix.killProcessGroup(pid, signal);
        } catch (ErrnoException e) {
            if (e.errno() != ErrnoException.ESRCH) {
                ShimLog.error("cannot signal the process group of exec " + execId + " (pid " + pid + "): "
                        + e.getMessage());
            }
        }
    }

    /** A frame the process does not take at once stops the reading of client frames until it went in. */
    private void writeStdin(byte[] data) {
        if (stdinWriter != null && !stdinWriter.write(data, () -> connection.readInput(true))) {
            connection.readInput(false);
        }
    }

    private void closeStdin() {
        // A terminal has no separate stdin to end; its master is also the output.
        if (stdinWriter != null && stdin != terminal) {
            stdinWriter.close();
        }
    }

    private void resize(int width, int height) {
        int fd = terminal == null ? -1 : terminal.acquire();
        if (fd < 0) {
            return;
        }
        try {
            Terminals.setWindowSize(fd, new Terminals.WindowSize(height, width));
        } catch (ErrnoException e) {
            ShimLog.error("resize of exec " + execId + " failed: " + e.getMessage());
        } finally {
            terminal.release();
        }
    }

    private void removeFiles() {
        for (Path file : List.of(processJson(), pidFile(), consoleSocket())) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                ShimLog.error("cannot remove " + file + ": " + e.getMessage());
            }
        }
    }

    private Path processJson() {
        return runDir.path().resolve(execId + ".json");
    }

    private Path pidFile() {
        return runDir.path().resolve(execId + ".pid");
    }

    private Path consoleSocket() {
        return runDir.path().resolve(execId + ".sock");
    }
}

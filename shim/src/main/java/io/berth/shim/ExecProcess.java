package io.berth.shim;

import io.berth.linux.ChildProcesses.WaitStatus;
import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import io.berth.linux.Posix;
import io.berth.linux.Terminals;
import io.berth.shim.api.ExecRequest;
import io.berth.shim.stdio.Frame;
import io.berth.shim.stdio.FrameReader;
import io.berth.shim.stdio.FrameWriter;
import io.berth.shim.stdio.ProtocolException;
import java.io.IOException;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One exec'd process and the connection that carries its stdio. The runtime starts it detached
 * ({@code runc exec --detach --pid-file}), so once the runtime exits the process is re-parented to the
 * shim, a child subreaper, and its exit comes through the shim's one {@link Reaper}. The connection is
 * the session: the client closing it (or sending KILL) kills the process, and the process's exit code
 * is the last frame sent.
 */
final class ExecProcess {
    /** After the exit, how long a stream may sit silent before a leftover child is assumed to hold it. */
    private static final long DRAIN_QUIET_SECONDS = 2;

    private final String execId;
    private final ExecRequest request;
    private final String containerId;
    private final Path bundle;
    private final RunDir runDir;
    private final RuntimeInvoker runtime;
    private final Reaper reaper;
    private final ByteChannel connection;
    private final FrameWriter out;
    private final List<FramePump> pumps = new ArrayList<>();
    private SharedFd stdin;
    private StdinWriter stdinWriter;
    private SharedFd terminal;
    /** The exec'd process once the runtime started it; 0 before, and while the runtime runs. */
    private int pid;
    private boolean exited;
    private int pendingSignal;

    ExecProcess(String execId, ExecRequest request, String containerId, Path bundle, RunDir runDir,
            RuntimeInvoker runtime, Reaper reaper, ByteChannel connection) {
        this.execId = execId;
        this.request = request;
        this.containerId = containerId;
        this.bundle = bundle;
        this.runDir = runDir;
        this.runtime = runtime;
        this.reaper = reaper;
        this.connection = connection;
        this.out = new FrameWriter(connection);
    }

    /** Writes the process spec; a bad request fails here, before the client is told the stream is ready. */
    void prepare() throws IOException {
        Files.write(processJson(), ExecProcessJson.build(bundle.resolve("config.json"), request));
    }

    /** Runs the process to its end on this thread, then sends its exit code and closes the connection. */
    void run() {
        int exitCode;
        try {
            exitCode = request.getTty() ? startWithTerminal() : startWithPipes();
            // Only now is there a stdin (or terminal) to give client frames to; until then they wait
            // in the socket, none is lost.
            startInputLoop();
            if (exitCode == 0) {
                exitCode = awaitProcess();
            }
            removeFiles(); // before the exit is told, so that a client that saw it sees a clean run dir
            for (FramePump pump : pumps) {
                pump.drain(DRAIN_QUIET_SECONDS, TimeUnit.SECONDS);
            }
        } catch (IOException | RuntimeException e) {
            ShimLog.error("exec " + execId + " in " + containerId + " failed: " + e);
            exitCode = 255;
            notice("berth: exec failed in the shim: " + e.getMessage() + "\n");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exitCode = 255;
        }
        try {
            out.write(Frame.exit(exitCode));
        } catch (IOException clientGone) {
            // Nobody left to tell.
        }
        finish();
    }

    /** {@code runc exec} with stdio pipes the process inherits; returns the runtime's exit code. */
    private int startWithPipes() throws IOException {
        FileDescriptors.Pipe in = request.getStdin() ? FileDescriptors.pipe() : null;
        FileDescriptors.Pipe stdout = FileDescriptors.pipe();
        FileDescriptors.Pipe stderr = FileDescriptors.pipe();
        int devNull = FileDescriptors.openReadWrite("/dev/null");
        // Pump before the runtime runs: its own error text (e.g. no such command) goes to stderr.
        pumps.add(FramePump.start(new SharedFd(stdout.readEnd()), Frame.Type.STDOUT, out, execId + "-out"));
        pumps.add(FramePump.start(new SharedFd(stderr.readEnd()), Frame.Type.STDERR, out, execId + "-err"));
        if (in != null) {
            setStdin(new SharedFd(in.writeEnd()));
        }
        try {
            return runtime.exec(containerId, processJson(), pidFile(), null, in != null ? in.readEnd() : devNull,
                    stdout.writeEnd(), stderr.writeEnd()).shellExitCode();
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
    private int startWithTerminal() throws IOException {
        Files.deleteIfExists(consoleSocket());
        FileDescriptors.Pipe said = FileDescriptors.pipe();
        int devNull = FileDescriptors.openReadWrite("/dev/null");
        // The runtime's own output (its error, if it cannot start the process) is shown on the terminal.
        pumps.add(FramePump.start(new SharedFd(said.readEnd()), Frame.Type.STDOUT, out, execId + "-runtime"));
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
                return code;
            }
            int master = socket.receiveFd();
            if (request.getWidth() > 0 && request.getHeight() > 0) {
                Terminals.setWindowSize(master, new Terminals.WindowSize(request.getHeight(), request.getWidth()));
            }
            SharedFd shared = new SharedFd(master);
            synchronized (this) {
                terminal = shared;
            }
            if (request.getStdin()) {
                setStdin(shared);
            }
            pumps.add(FramePump.start(shared, Frame.Type.STDOUT, out, execId + "-tty"));
            return 0;
        }
    }

    /** Waits for the process the runtime started; its pid is in the pid file the runtime wrote. */
    private int awaitProcess() throws IOException, InterruptedException {
        int started = Integer.parseInt(Files.readString(pidFile()).trim());
        int signal;
        synchronized (this) {
            pid = started;
            signal = pendingSignal;
        }
        if (signal != 0) {
            kill(signal);
        }
        WaitStatus status;
        try {
            status = reaper.exitOf(started).get();
        } catch (ExecutionException e) {
            throw new IOException("waiting for exec " + execId + " failed", e.getCause());
        }
        synchronized (this) {
            exited = true;
        }
        return status.shellExitCode();
    }

    /** Signals the process; before it exists the signal waits for it, after its exit it is dropped. */
    synchronized void kill(int signal) {
        if (exited) {
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

    private void startInputLoop() {
        Thread thread = new Thread(null, this::readInput, execId + "-in", 128 * 1024);
        thread.setDaemon(true);
        thread.start();
    }

    /** Client frames until the client goes away, which kills the process: nobody can see its output. */
    private void readInput() {
        FrameReader in = new FrameReader(connection);
        try {
            for (Frame frame = in.read(); frame != null; frame = in.read()) {
                switch (frame.type()) {
                    case STDIN -> writeStdin(frame.payload());
                    case CLOSE_STDIN -> closeStdin();
                    case RESIZE -> resize(frame.intAt(0), frame.intAt(1));
                    case KILL -> kill(frame.intAt(0));
                    default -> throw new ProtocolException("a client does not send " + frame.type());
                }
            }
        } catch (IOException e) {
            // The connection broke or carried garbage: the same as the client leaving.
        }
        kill(Posix.SIGKILL);
    }

    private synchronized void setStdin(SharedFd fd) {
        stdin = fd;
        stdinWriter = new StdinWriter(fd);
    }

    /** Outside the session's lock: the write blocks while the process does not read. */
    private void writeStdin(byte[] data) {
        StdinWriter writer;
        synchronized (this) {
            writer = stdinWriter;
        }
        if (writer != null) {
            writer.write(data);
        }
    }

    private synchronized void closeStdin() {
        // A terminal has no separate stdin to end; its master is also the output.
        if (stdin != null && stdin != terminal) {
            stdin.close();
        }
    }

    private void resize(int width, int height) {
        SharedFd tty;
        synchronized (this) {
            tty = terminal;
        }
        int fd = tty == null ? -1 : tty.acquire();
        if (fd < 0) {
            return;
        }
        try {
            Terminals.setWindowSize(fd, new Terminals.WindowSize(height, width));
        } catch (ErrnoException e) {
            ShimLog.error("resize of exec " + execId + " failed: " + e.getMessage());
        } finally {
            tty.release();
        }
    }

    private void notice(String text) {
        try {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            out.write(Frame.Type.STDERR, bytes, 0, bytes.length);
        } catch (IOException ignored) {
            // The client is gone.
        }
    }

    private void finish() {
        synchronized (this) {
            if (stdin != null) {
                stdin.close();
            }
            if (terminal != null) {
                terminal.close();
            }
        }
        try {
            connection.close();
        } catch (IOException ignored) {
            // Closing is all that was left.
        }
        removeFiles();
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

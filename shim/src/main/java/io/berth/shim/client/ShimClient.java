package io.berth.shim.client;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InternalException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.UnavailableException;
import io.berth.linux.FdChannel;
import io.berth.linux.FileDescriptors;
import io.berth.linux.UnixSockets;
import io.berth.shim.ExitFile;
import io.berth.shim.HostDir;
import io.berth.shim.RunDir;
import io.berth.shim.api.AttachRequest;
import io.berth.shim.api.CloseStdinRequest;
import io.berth.shim.api.DeleteRequest;
import io.berth.shim.api.ExecRequest;
import io.berth.shim.api.ExitStatus;
import io.berth.shim.api.KillRequest;
import io.berth.shim.api.ReopenLogRequest;
import io.berth.shim.api.Request;
import io.berth.shim.api.ResizeRequest;
import io.berth.shim.api.Response;
import io.berth.shim.api.StartRequest;
import io.berth.shim.api.State;
import io.berth.shim.api.StateRequest;
import io.berth.shim.api.WaitRequest;
import io.berth.shim.protocol.MessageSocket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * berthd's handle on one container's shim, inside the shim host that carries it. Each call is its own
 * connection to the host, so a blocked {@link #awaitExit()} never holds up other calls, and nothing needs
 * closing. When the host is dead, or no longer carries the container, calls throw {@link ShimGoneException}.
 */
public final class ShimClient {
    static final String MAIN_CLASS = "io.berth.shim.ShimMain";

    private final HostDir host;
    private final RunDir runDir;
    private final int hostPid;

    ShimClient(HostDir host, RunDir runDir, int hostPid) {
        this.host = host;
        this.runDir = runDir;
        this.hostPid = hostPid;
    }

    /** A client for the container of {@code runDir}, through the host its run dir names (after a restart). */
    public static ShimClient connect(Path runDir) throws IOException {
        RunDir dir = new RunDir(runDir.toAbsolutePath());
        if (!Files.exists(dir.host())) {
            throw new ShimGoneException("no shim host ever carried " + runDir, recorded(dir), null);
        }
        HostDir host = new HostDir(Path.of(Files.readString(dir.host(), StandardCharsets.UTF_8).trim()));
        ShimClient client = new ShimClient(host, dir, hostPid(host));
        client.state(); // throws ShimGoneException when nothing carries it any more
        return client;
    }

    static int hostPid(HostDir host) {
        try {
            return Integer.parseInt(Files.readString(host.pid(), StandardCharsets.UTF_8).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** The pid of the host process. */
    public int shimPid() {
        return hostPid;
    }

    public Path runDir() {
        return runDir.path();
    }

    public HostDir host() {
        return host;
    }

    /** Whether the host process still exists (and is a shim host, not a process that reused its pid). */
    public boolean isAlive() {
        return isHost(hostPid);
    }

    static boolean isHost(int pid) {
        try {
            String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline"), StandardCharsets.UTF_8);
            return pid > 0 && cmdline.contains(MAIN_CLASS);
        } catch (IOException e) {
            return false;
        }
    }

    public State state() {
        return call(Request.newBuilder().setState(StateRequest.getDefaultInstance())).getState();
    }

    public State start() {
        return call(Request.newBuilder().setStart(StartRequest.getDefaultInstance())).getState();
    }

    /** Signals the container's init, or with {@code all} every process in it. A no-op once it exited. */
    public State kill(int signal, boolean all) {
        return call(Request.newBuilder().setKill(KillRequest.newBuilder().setSignal(signal).setAll(all))).getState();
    }

    public State resize(int width, int height) {
        return call(Request.newBuilder().setResize(ResizeRequest.newBuilder().setWidth(width).setHeight(height)))
                .getState();
    }

    /** Has the shim reopen the log path, after the old file was renamed away. */
    public State reopenLog() {
        return call(Request.newBuilder().setReopenLog(ReopenLogRequest.getDefaultInstance())).getState();
    }

    public State closeStdin() {
        return call(Request.newBuilder().setCloseStdin(CloseStdinRequest.getDefaultInstance())).getState();
    }

    /** Deletes the container (runtime state, rootfs mounts); the host forgets it. */
    public State delete(boolean force) {
        return call(Request.newBuilder().setDelete(DeleteRequest.newBuilder().setForce(force))).getState();
    }

    /** Blocks until the container has exited and its exit is recorded. */
    public ExitStatus awaitExit() {
        return call(Request.newBuilder().setWait(WaitRequest.getDefaultInstance())).getExit();
    }

    /**
     * Runs a process in the running container and returns its stdio. Unset fields of the request take
     * the container's own settings. Closing the stream kills the process if it is still running. A
     * command that cannot be started is not an error here: the stream carries the runtime's message on
     * stderr and a non-zero exit (255). Throws {@link FailedPreconditionException} when the container
     * is not running.
     */
    public ProcessStream exec(ExecRequest request) {
        return new ShimProcessStream(openStream(Request.newBuilder().setExec(request)), true,
                "exec in " + runDir.path());
    }

    /**
     * Attaches to the container's own stdio: its output from now on (the past is in the log), and with
     * {@code stdin} the container's stdin. The last chunk is the container's exit. Closing detaches.
     */
    public ProcessStream attach(boolean stdin) {
        return new ShimProcessStream(openStream(Request.newBuilder().setAttach(AttachRequest.newBuilder()
                .setStdin(stdin))), false, "attach to " + runDir.path());
    }

    /** Sends a streaming request; on acceptance the returned channel carries frames. */
    private FdChannel openStream(Request.Builder request) {
        int connection = connectOrThrow(request);
        Response response;
        try {
            response = exchange(connection, request, new int[0]).message();
        } catch (IOException e) {
            FileDescriptors.closeQuietly(connection);
            throw unreachable(request, e);
        }
        if (!response.hasStreamReady()) {
            FileDescriptors.closeQuietly(connection);
            throwIfError(response);
            throw new InternalException("shim host " + host.path() + " answered " + request.getOpCase().name()
                    .toLowerCase() + " with " + response.getResultCase());
        }
        return new FdChannel(connection);
    }

    private Response call(Request.Builder request) {
        MessageSocket.Received<Response> received = callWithFds(request, new int[0]);
        MessageSocket.closeAll(received.fds());
        return received.message();
    }

    MessageSocket.Received<Response> callWithFds(Request.Builder request) {
        return callWithFds(request, new int[0]);
    }

    /**
     * One request on a connection of its own, with {@code sendFds} beside it (the caller keeps its own);
     * the descriptors that came with the answer are the caller's.
     */
    MessageSocket.Received<Response> callWithFds(Request.Builder request, int[] sendFds) {
        int connection = connectOrThrow(request);
        try {
            return callOn(connection, request, sendFds);
        } finally {
            FileDescriptors.closeQuietly(connection);
        }
    }

    /**
     * One request on {@code connection}, which the caller opened to this shim's host and keeps for further
     * requests (the host reads the next request on a connection once it has answered one). As
     * {@link #callWithFds(Request.Builder)} otherwise.
     */
    MessageSocket.Received<Response> callOn(int connection, Request.Builder request) {
        return callOn(connection, request, new int[0]);
    }

    private MessageSocket.Received<Response> callOn(int connection, Request.Builder request, int[] sendFds) {
        try {
            MessageSocket.Received<Response> received = exchange(connection, request, sendFds);
            if (received.message().hasError()) {
                MessageSocket.closeAll(received.fds());
                throwIfError(received.message());
            }
            return received;
        } catch (IOException e) {
            throw unreachable(request, e);
        }
    }

    private int connectOrThrow(Request.Builder request) {
        try {
            return UnixSockets.connect(host.socket());
        } catch (IOException e) {
            throw unreachable(request, e);
        }
    }

    private MessageSocket.Received<Response> exchange(int connection, Request.Builder request, int[] sendFds)
            throws IOException {
        MessageSocket.send(connection, request.setRunDir(runDir.path().toString()).build(), sendFds);
        MessageSocket.Received<Response> received = MessageSocket.receive(connection, Response.parser());
        if (received == null) {
            throw new IOException("the shim host closed the connection without answering");
        }
        return received;
    }

    private void throwIfError(Response response) {
        if (!response.hasError()) {
            return;
        }
        String message = "shim " + runDir.path() + ": " + response.getError().getMessage();
        switch (response.getError().getCode()) {
            case FAILED_PRECONDITION:
                throw new FailedPreconditionException(message);
            case INVALID_ARGUMENT:
                throw new InvalidArgumentException(message);
            case NOT_FOUND:
                throw new ShimGoneException(message, recorded(runDir), null);
            case UNAVAILABLE:
                throw new UnavailableException(message);
            default:
                throw new InternalException(message);
        }
    }

    private RuntimeException unreachable(Request.Builder request, IOException cause) {
        if (isAlive()) {
            return new UnavailableException("shim host " + hostPid + " at " + host.socket() + " did not answer "
                    + request.getOpCase().name().toLowerCase() + ": " + cause.getMessage(), cause);
        }
        ExitStatus recorded = recorded(runDir);
        return new ShimGoneException("shim host " + hostPid + " of " + runDir.path() + " is gone"
                + (recorded == null ? " and recorded no exit" : ", container exited " + recorded.getExitCode()),
                recorded, cause);
    }

    private static ExitStatus recorded(RunDir runDir) {
        try {
            return ExitFile.read(runDir.exitFile()).orElse(null);
        } catch (IOException unreadable) {
            return null;
        }
    }

    /** The recorded exit of the container of {@code runDir}, readable with or without a host. */
    public static Optional<ExitStatus> recordedExit(Path runDir) throws IOException {
        return ExitFile.read(new RunDir(runDir).exitFile());
    }
}

package io.berth.shim.client;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InternalException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.UnavailableException;
import io.berth.common.io.AtomicFiles;
import io.berth.shim.ExitFile;
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
import io.berth.shim.api.ShimConfig;
import io.berth.shim.api.StartRequest;
import io.berth.shim.api.State;
import io.berth.shim.api.StateRequest;
import io.berth.shim.api.WaitRequest;
import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * berthd's handle on one shim: {@link #launch} starts a detached shim for a container and returns once
 * it serves its socket (the container is then CREATED); {@link #connect} finds an existing one after a
 * daemon restart. Each call is its own connection, so a blocked {@link #awaitExit()} never holds up
 * other calls, and nothing needs closing. When the shim is dead, calls throw {@link ShimGoneException}.
 */
public final class ShimClient {
    private static final String MAIN_CLASS = "io.berth.shim.ShimMain";

    private final RunDir runDir;
    private final int shimPid;

    private ShimClient(RunDir runDir, int shimPid) {
        this.runDir = runDir;
        this.shimPid = shimPid;
    }

    /**
     * Starts a shim in its own session ({@code setsid}), with stdio on {@code shim.log} in the run dir, and
     * waits until it answers. Throws {@link InternalException} with the shim's reason when it could not
     * create the container.
     */
    public static ShimClient launch(ShimConfig config, LaunchOptions options) throws IOException {
        RunDir runDir = prepare(config);
        Process shim = start(options, runDir.shimLog(), runDir.path().toString());
        return awaitServing(runDir, shim, config.getId(), options);
    }

    /** Creates the run dir and writes the config the shim reads from it. */
    static RunDir prepare(ShimConfig config) throws IOException {
        RunDir runDir = new RunDir(Path.of(config.getRunDir()).toAbsolutePath());
        Files.createDirectories(runDir.path(),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.deleteIfExists(runDir.createError());
        AtomicFiles.write(runDir.config(), config.toBuilder().setRunDir(runDir.path().toString()).build().toByteArray());
        return runDir;
    }

    /** Starts a shim JVM in its own session with {@code args} after the main class. */
    static Process start(LaunchOptions options, Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("setsid", options.javaBinary()));
        command.addAll(options.jvmOptions());
        command.addAll(List.of("-cp", options.classpath(), MAIN_CLASS));
        command.addAll(List.of(args));
        // This Process is berthd's child, reaped by berthd's JDK; the shim itself never uses one.
        return new ProcessBuilder(command)
                .redirectInput(new File("/dev/null"))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true)
                .start();
    }

    /** Waits until the shim serves its control socket (the container is then created), or says why not. */
    static ShimClient awaitServing(RunDir runDir, Process shim, String id, LaunchOptions options) throws IOException {
        ShimClient client = new ShimClient(runDir, (int) shim.pid());
        long deadline = System.nanoTime() + options.startTimeout().toNanos();
        while (true) {
            if (Files.exists(runDir.socket())) {
                try {
                    client.state();
                    return client;
                } catch (UnavailableException notYet) {
                    // bound but not accepting yet
                }
            }
            if (!shim.isAlive()) {
                throw new InternalException("shim for " + id + " exited (" + shim.exitValue()
                        + ") without serving: " + whyCreateFailed(runDir));
            }
            if (System.nanoTime() > deadline) {
                shim.destroyForcibly();
                throw new InternalException("shim for " + id + " did not answer within "
                        + options.startTimeout() + "; see " + runDir.shimLog());
            }
            sleepBriefly();
        }
    }

    /** A client for the shim already serving {@code runDir}, e.g. after berthd restarted. */
    public static ShimClient connect(Path runDir) throws IOException {
        RunDir dir = new RunDir(runDir.toAbsolutePath());
        int pid = Files.exists(dir.shimPid()) ? Integer.parseInt(Files.readString(dir.shimPid()).trim()) : 0;
        ShimClient client = new ShimClient(dir, pid);
        client.state(); // throws ShimGoneException when there is no shim to talk to
        return client;
    }

    public int shimPid() {
        return shimPid;
    }

    public Path runDir() {
        return runDir.path();
    }

    /** Whether the shim process still exists (and is a shim, not a process that reused its pid). */
    public boolean isAlive() {
        try {
            String cmdline = Files.readString(Path.of("/proc/" + shimPid + "/cmdline"), StandardCharsets.UTF_8);
            return shimPid > 0 && cmdline.contains(MAIN_CLASS);
        } catch (IOException e) {
            return false;
        }
    }

    public State state() {
        return call(Request.newBuilder().setState(StateRequest.getDefaultInstance()).build()).getState();
    }

    public State start() {
        return call(Request.newBuilder().setStart(StartRequest.getDefaultInstance()).build()).getState();
    }

    /** Signals the container's init, or with {@code all} every process in it. A no-op once it exited. */
    public State kill(int signal, boolean all) {
        return call(Request.newBuilder().setKill(KillRequest.newBuilder().setSignal(signal).setAll(all)).build())
                .getState();
    }

    public State resize(int width, int height) {
        return call(Request.newBuilder().setResize(ResizeRequest.newBuilder().setWidth(width).setHeight(height))
                .build()).getState();
    }

    /** Has the shim reopen the log path, after the old file was renamed away. */
    public State reopenLog() {
        return call(Request.newBuilder().setReopenLog(ReopenLogRequest.getDefaultInstance()).build()).getState();
    }

    public State closeStdin() {
        return call(Request.newBuilder().setCloseStdin(CloseStdinRequest.getDefaultInstance()).build()).getState();
    }

    /** Deletes the container (runtime state, rootfs mounts); the shim exits after answering. */
    public State delete(boolean force) {
        return call(Request.newBuilder().setDelete(DeleteRequest.newBuilder().setForce(force)).build()).getState();
    }

    /** Blocks until the container has exited and its exit is recorded. */
    public ExitStatus awaitExit() {
        return call(Request.newBuilder().setWait(WaitRequest.getDefaultInstance()).build()).getExit();
    }

    /**
     * Runs a process in the running container and returns its stdio. Unset fields of the request take
     * the container's own settings. Closing the stream kills the process if it is still running. A
     * command that cannot be started is not an error here: the stream carries the runtime's message on
     * stderr and a non-zero exit (255). Throws {@link FailedPreconditionException} when the container
     * is not running.
     */
    public ProcessStream exec(ExecRequest request) {
        Request exec = Request.newBuilder().setExec(request).build();
        return new ShimProcessStream(openStream(exec), true, "exec in " + runDir.path());
    }

    /**
     * Attaches to the container's own stdio: its output from now on (the past is in the log), and with
     * {@code stdin} the container's stdin. The last chunk is the container's exit. Closing detaches.
     */
    public ProcessStream attach(boolean stdin) {
        Request attach = Request.newBuilder().setAttach(AttachRequest.newBuilder().setStdin(stdin)).build();
        return new ShimProcessStream(openStream(attach), false, "attach to " + runDir.path());
    }

    /** Sends a streaming request; on acceptance the returned connection carries frames. */
    private SocketChannel openStream(Request request) {
        SocketChannel channel = null;
        Response response;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(runDir.socket()));
            response = exchange(channel, request);
        } catch (IOException e) {
            closeQuietly(channel);
            throw unreachable(request, e);
        }
        if (!response.hasStreamReady()) {
            closeQuietly(channel);
            throwIfError(response);
            throw new InternalException("shim " + runDir.path() + " answered " + request.getOpCase().name()
                    .toLowerCase() + " with " + response.getResultCase());
        }
        return channel;
    }

    private static Response exchange(SocketChannel channel, Request request) throws IOException {
        request.writeDelimitedTo(Channels.newOutputStream(channel));
        Response response = Response.parseDelimitedFrom(Channels.newInputStream(channel));
        if (response == null) {
            throw new IOException("the shim closed the connection without answering");
        }
        return response;
    }

    private static void closeQuietly(SocketChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Nothing more to do with it.
            }
        }
    }

    private Response call(Request request) {
        Response response;
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(runDir.socket()));
            response = exchange(channel, request);
        } catch (IOException e) {
            throw unreachable(request, e);
        }
        throwIfError(response);
        return response;
    }

    private void throwIfError(Response response) {
        if (response.hasError()) {
            String message = "shim " + runDir.path() + ": " + response.getError().getMessage();
            switch (response.getError().getCode()) {
                case FAILED_PRECONDITION:
                    throw new FailedPreconditionException(message);
                case INVALID_ARGUMENT:
                    throw new InvalidArgumentException(message);
                default:
                    throw new InternalException(message);
            }
        }
    }

    private RuntimeException unreachable(Request request, IOException cause) {
        if (isAlive()) {
            return new UnavailableException("shim " + shimPid + " at " + runDir.socket() + " did not answer "
                    + request.getOpCase().name().toLowerCase() + ": " + cause.getMessage(), cause);
        }
        ExitStatus recorded = null;
        try {
            recorded = ExitFile.read(runDir.exitFile()).orElse(null);
        } catch (IOException unreadable) {
            cause.addSuppressed(unreadable);
        }
        return new ShimGoneException("shim " + shimPid + " of " + runDir.path() + " is gone"
                + (recorded == null ? " and recorded no exit" : ", container exited " + recorded.getExitCode()),
                recorded, cause);
    }

    private static String whyCreateFailed(RunDir runDir) {
        try {
            if (Files.exists(runDir.createError())) {
                return Files.readString(runDir.createError(), StandardCharsets.UTF_8);
            }
            List<String> log = Files.readAllLines(runDir.shimLog(), StandardCharsets.UTF_8);
            return String.join("\n", log.subList(Math.max(0, log.size() - 5), log.size()));
        } catch (IOException e) {
            return "no reason recorded (" + e.getMessage() + ")";
        }
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while waiting for a shim to start", e);
        }
    }

    /** The recorded exit of the container of {@code runDir}, readable with or without a shim. */
    public static Optional<ExitStatus> recordedExit(Path runDir) throws IOException {
        return ExitFile.read(new RunDir(runDir).exitFile());
    }
}

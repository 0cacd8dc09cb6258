package io.berth.shim;

import io.berth.linux.ChildProcesses.WaitStatus;
import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import io.berth.linux.Posix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the OCI runtime's commands (runc's CLI; crun takes the same). Each command is a child spawned
 * and reaped through the {@link Reaper}; a failed command becomes an {@link IOException} carrying what
 * the runtime said. A command that has not finished within the timeout is killed with its whole process
 * group and reported as timed out: a hung runtime must not hold a container's operations (and the RPC
 * waiting on them) forever.
 */
final class RuntimeInvoker {
    /** For a config that carries none (written by a berthd older than the setting): berthd's own default. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    /** After SIGKILL the group is gone at once unless a process is stuck in the kernel. */
    private static final Duration KILLED_EXIT_WAIT = Duration.ofSeconds(5);

    private final String binary;
    private final String root;
    private final Path log;
    private final Reaper reaper;
    private final EventLoop loop;
    private final Map<String, String> env;
    private final Duration timeout;

    RuntimeInvoker(String binary, String root, Path log, Reaper reaper, EventLoop loop, Duration timeout) {
        this.binary = binary.isEmpty() ? "runc" : binary;
        this.root = root;
        this.log = log;
        this.reaper = reaper;
        this.loop = loop;
        this.env = Map.copyOf(System.getenv());
        this.timeout = timeout.isZero() ? DEFAULT_TIMEOUT : timeout;
    }

    /**
     * {@code create}: the container's init is left waiting for {@code start}. Its stdio is the given
     * descriptors (unused with a console socket, where the runtime makes a terminal instead). Returns
     * the init's pid, only when the runtime has exited, i.e. the pid file is written and the terminal sent.
     */
    int create(String id, Path bundle, Path pidFile, Path consoleSocket, int stdin, int stdout, int stderr)
            throws IOException {
        List<String> args = new ArrayList<>(List.of("create", "--bundle", bundle.toString(), "--pid-file",
                pidFile.toString()));
        if (consoleSocket != null) {
            args.add("--console-socket");
            args.add(consoleSocket.toString());
        }
        args.add(id);
        // The runtime's stdio is the container's, so its error text lands in the container's stderr and
        // in --log; the error we raise quotes the log.
        WaitStatus status = await(spawn(args, stdin, stdout, stderr), args);
        if (status.shellExitCode() != 0) {
            throw new IOException(binary + " create " + id + " failed (exit " + status.shellExitCode() + "): "
                    + logTail());
        }
        return createdPid(id, pidFile);
    }

    /** The init's pid from the pid file; a runtime that exited 0 without writing it created nothing usable. */
    private int createdPid(String id, Path pidFile) throws IOException {
        String text;
        try {
            text = Files.readString(pidFile).trim();
        } catch (NoSuchFileException e) {
            throw new IOException(binary + " create " + id + " exited 0 but wrote no pid file: the runtime created"
                    + " nothing", e);
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IOException(binary + " create " + id + " wrote a pid file without a pid: '" + text + "'", e);
        }
    }

    /**
     * {@code exec --detach}: starts the process described by {@code processJson} in the container and
     * returns the runtime's exit status once the process runs (its pid is then in {@code pidFile}) or
     * could not be started (non-zero; the runtime said why on {@code stderr}). Detached, the process is
     * re-parented to this subreaper when the runtime exits, so the shim's reaper collects its exit.
     */
    WaitStatus exec(String id, Path processJson, Path pidFile, Path consoleSocket, int stdin, int stdout,
            int stderr) throws IOException {
        List<String> args = new ArrayList<>(List.of("exec", "--detach", "--pid-file", pidFile.toString(),
                "--process", processJson.toString()));
        if (consoleSocket != null) {
            args.add("--console-socket");
            args.add(consoleSocket.toString());
        }
        args.add(id);
        return await(spawn(args, stdin, stdout, stderr), args);
    }

    void start(String id) throws IOException {
        run("start", id);
    }

    void kill(String id, int signal, boolean all) throws IOException {
        if (all) {
            run("kill", "--all", id, Integer.toString(signal));
        } else {
            run("kill", id, Integer.toString(signal));
        }
    }

    void delete(String id, boolean force) throws IOException {
        if (force) {
            run("delete", "--force", id);
        } else {
            run("delete", id);
        }
    }

    /**
     * Whether the runtime holds the container as created but not yet started ({@code state}'s status
     * "created"); a host that adopts a container learns from this where it stood.
     */
    boolean isCreatedOnly(String id) throws IOException {
        return run("state", id).replace(" ", "").contains("\"status\":\"created\"");
    }

    /**
     * Runs a command with stdout and stderr captured (the last few KiB), failing on a non-zero exit. The output
     * is read as it comes, on the event loop beside the wait, so that neither a chatty runtime (a full pipe) nor one that leaves a
     * child holding the pipe can keep the command from being timed out.
     */
    private String run(String... args) throws IOException {
        FileDescriptors.Pipe output = FileDescriptors.pipe();
        int devNull = FileDescriptors.openReadOnly("/dev/null");
        int pid;
        try {
            pid = spawn(List.of(args), devNull, output.writeEnd(), output.writeEnd());
        } catch (IOException e) {
            FileDescriptors.closeQuietly(output.readEnd());
            throw e;
        } finally {
            FileDescriptors.closeQuietly(output.writeEnd());
            FileDescriptors.closeQuietly(devNull);
        }
        PipeTail said;
        try {
            said = PipeTail.read(loop, output.readEnd());
        } catch (ErrnoException e) {
            FileDescriptors.closeQuietly(output.readEnd());
            throw new IOException("cannot read the output of " + binary + " " + args[0] + ": " + e.getMessage(), e);
        }
        WaitStatus status;
        try {
            status = await(pid, List.of(args));
        } catch (IOException e) {
            said.abandon();
            throw e;
        }
        String text;
        try {
            text = said.text().get(KILLED_EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            said.abandon();
            text = "";
        } catch (ExecutionException | TimeoutException e) {
            // Something outside the runtime's process group still holds the pipe; the exit status is known.
            said.abandon();
            text = "(output not read: " + e + ")";
        }
        if (status.shellExitCode() != 0) {
            throw new IOException(binary + " " + String.join(" ", args) + " failed (exit " + status.shellExitCode()
                    + "): " + text.strip());
        }
        return text;
    }

    /** A missing or unrunnable runtime binary is named as such, not as a bare errno. */
    private int spawn(List<String> args, int stdin, int stdout, int stderr) throws IOException {
        try {
            return reaper.spawn(binary, command(args), env, stdin, stdout, stderr);
        } catch (ErrnoException e) {
            throw new IOException("cannot run the OCI runtime " + binary + " (" + args.get(0) + "): " + e.getMessage(),
                    e);
        }
    }

    private List<String> command(List<String> args) {
        List<String> argv = new ArrayList<>(List.of(binary));
        if (!root.isEmpty()) {
            argv.add("--root");
            argv.add(root);
        }
        argv.addAll(List.of("--log", log.toString(), "--log-format", "json"));
        argv.addAll(args);
        return argv;
    }

    /** The command's exit; past the timeout its process group is killed and the command reported as timed out. */
    private WaitStatus await(int pid, List<String> args) throws IOException {
        CompletableFuture<WaitStatus> exit = reaper.exitOf(pid);
        try {
            return exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            try {
                Posix.killProcessGroup(pid, Posix.SIGKILL);
                exit.get(KILLED_EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ErrnoException | ExecutionException | TimeoutException notEnded) {
                ShimLog.error(binary + " (pid " + pid + ") not ended after SIGKILL: " + notEnded);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            throw new IOException(binary + " " + args.get(0) + " timed out: no answer within " + timeout.toSeconds()
                    + "s, so it was killed (" + String.join(" ", args) + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for " + binary + " (pid " + pid + ")", e);
        } catch (ExecutionException e) {
            throw new IOException("waiting for " + binary + " (pid " + pid + ") failed", e.getCause());
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "(no runtime log: " + e.getMessage() + ")";
        }
    }
}

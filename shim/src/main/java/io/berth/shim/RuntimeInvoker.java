package io.berth.shim;

import io.berth.linux.ChildProcesses.WaitStatus;
import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * Runs the OCI runtime's commands (runc's CLI; crun takes the same). Each command is a child spawned
 * and reaped through the {@link Reaper}; a failed command becomes an {@link IOException} carrying what
 * the runtime said.
 */
final class RuntimeInvoker {
    private static final int OUTPUT_KEPT = 4096;

    private final String binary;
    private final String root;
    private final Path log;
    private final Reaper reaper;
    private final Map<String, String> env;

    RuntimeInvoker(String binary, String root, Path log, Reaper reaper) {
        this.binary = binary.isEmpty() ? "runc" : binary;
        this.root = root;
        this.log = log;
        this.reaper = reaper;
        this.env = Map.copyOf(System.getenv());
    }

    /**
     * {@code create}: the container's init is left waiting for {@code start}. Its stdio is the given
     * descriptors (unused with a console socket, where the runtime makes a terminal instead). Returns
     * only when the runtime has exited, i.e. the pid file is written and the terminal sent.
     */
    void create(String id, Path bundle, Path pidFile, Path consoleSocket, int stdin, int stdout, int stderr)
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
        WaitStatus status = await(reaper.spawn(binary, command(args), env, stdin, stdout, stderr));
        if (status.shellExitCode() != 0) {
            throw new IOException(binary + " create " + id + " failed (exit " + status.shellExitCode() + "): "
                    + logTail());
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
        return await(reaper.spawn(binary, command(args), env, stdin, stdout, stderr));
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

    /** Runs a command with stdout and stderr captured (the last few KiB), failing on a non-zero exit. */
    private String run(String... args) throws IOException {
        FileDescriptors.Pipe output = FileDescriptors.pipe();
        int devNull = FileDescriptors.openReadOnly("/dev/null");
        int pid;
        try {
            pid = reaper.spawn(binary, command(List.of(args)), env, devNull, output.writeEnd(), output.writeEnd());
        } catch (ErrnoException e) {
            FileDescriptors.closeQuietly(output.readEnd());
            throw e;
        } finally {
            FileDescriptors.closeQuietly(output.writeEnd());
            FileDescriptors.closeQuietly(devNull);
        }
        String said = readTail(output.readEnd());
        WaitStatus status = await(pid);
        if (status.shellExitCode() != 0) {
            throw new IOException(binary + " " + String.join(" ", args) + " failed (exit " + status.shellExitCode()
                    + "): " + said.strip());
        }
        return said;
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

    private WaitStatus await(int pid) throws IOException {
        try {
            return reaper.exitOf(pid).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for " + binary + " (pid " + pid + ")", e);
        } catch (ExecutionException e) {
            throw new IOException("waiting for " + binary + " (pid " + pid + ") failed", e.getCause());
        }
    }

    private static String readTail(int fd) throws ErrnoException {
        ByteBuffer chunk = ByteBuffer.allocateDirect(OUTPUT_KEPT);
        byte[] tail = new byte[OUTPUT_KEPT];
        int kept = 0;
        try {
            while (FileDescriptors.read(fd, chunk) > 0) {
                int n = chunk.remaining();
                int keep = Math.min(OUTPUT_KEPT - n, kept);
                System.arraycopy(tail, kept - keep, tail, 0, keep);
                chunk.get(tail, keep, n);
                kept = keep + n;
            }
        } finally {
            FileDescriptors.closeQuietly(fd);
        }
        return new String(tail, 0, kept, StandardCharsets.UTF_8);
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

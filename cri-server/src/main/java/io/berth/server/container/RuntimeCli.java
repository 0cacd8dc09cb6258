package io.berth.server.container;

import io.berth.common.error.InternalException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The OCI runtime commands berthd runs itself rather than through a shim: cleaning up after a lost shim,
 * live resource updates and checkpoints. (The shim runs create/start/kill/delete of live containers.)
 */
public final class RuntimeCli {
    private static final long TIMEOUT_SECONDS = 30;
    private static final int OUTPUT_KEPT = 64 * 1024;

    private final String binary;
    private final String root;

    public RuntimeCli(String binary, String root) {
        this.binary = binary;
        this.root = root;
    }

    /** {@code <runtime> delete --force}: a container the runtime does not know is fine. */
    public void forceDelete(String id) throws IOException {
        Result r = run(null, "delete", "--force", id);
        if (r.code != 0 && !r.output.contains("does not exist") && !r.output.contains("not found")) {
            throw new InternalException(binary + " delete " + id + " failed: " + r.output.trim());
        }
    }

    /** {@code <runtime> update --resources -} with the OCI linux.resources JSON on stdin. */
    public void update(String id, byte[] resourcesJson) throws IOException {
        Result r = run(resourcesJson, "update", "--resources", "-", id);
        if (r.code != 0) {
            throw new InternalException(binary + " update " + id + " failed: " + r.output.trim());
        }
    }

    /**
     * {@code <runtime> checkpoint --leave-running}: CRIU dumps the running container into {@code imagePath}, its
     * log into {@code workPath}. Returns the runtime's own output when it fails, empty when it succeeded.
     */
    public Optional<String> checkpoint(String id, Path imagePath, Path workPath, long timeoutSeconds)
            throws IOException {
        Result r = run(null, timeoutSeconds, "checkpoint", "--image-path", imagePath.toString(), "--work-path",
                workPath.toString(), "--leave-running", id);
        return r.code == 0 ? Optional.empty() : Optional.of(r.output.trim());
    }

    private record Result(int code, String output) {}

    private Result run(byte[] stdin, String... args) throws IOException {
        return run(stdin, TIMEOUT_SECONDS, args);
    }

    private Result run(byte[] stdin, long timeoutSeconds, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary);
        if (!root.isEmpty()) {
            cmd.add("--root");
            cmd.add(root);
        }
        cmd.addAll(List.of(args));
        // Output to a file, not a pipe: reading a pipe to its end would wait as long as a hung runtime (or a child
        // it left) holds it, and the timeout below would never be reached.
        Path output = Files.createTempFile("berth-runtime-", ".out");
        Process p = null;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (stdin != null) {
                p.getOutputStream().write(stdin);
            }
            p.getOutputStream().close();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new InternalException(String.join(" ", cmd) + " timed out: no answer within " + timeoutSeconds
                        + "s, so it was killed");
            }
            return new Result(p.exitValue(), tail(output));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted running " + String.join(" ", cmd), e);
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** A runtime's error output is a few lines; the last 64 KiB of anything longer is kept. */
    private static String tail(Path output) throws IOException {
        byte[] all = Files.readAllBytes(output);
        int from = Math.max(0, all.length - OUTPUT_KEPT);
        return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    }
}

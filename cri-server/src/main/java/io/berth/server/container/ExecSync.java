package io.berth.server.container;

import com.google.protobuf.ByteString;
import io.berth.common.error.DeadlineExceededException;
import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InternalException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.shim.api.ExecRequest;
import io.berth.shim.client.ProcessStream;
import io.berth.shim.client.ProcessStream.Chunk;
import io.berth.shim.client.ShimClient;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
/**
 * Runs a command in a running container to its end and returns what it wrote (kubelet's exec probes,
 * {@code crictl exec -s}). Each of stdout and stderr is kept up to {@link #DEFAULT_OUTPUT_CAP} bytes,
 * containerd's limit; output beyond it is read and dropped (so the command can finish) and a marker
 * line on stderr says so. A timeout kills the command and fails with DEADLINE_EXCEEDED, as containerd
 * does and as kubelet reads as a timed-out probe; when that error is returned the command is gone.
 */
public final class ExecSync {
    /** Per stream; containerd's {@code maxStreamSize}. */
    public static final int DEFAULT_OUTPUT_CAP = 16 * 1024 * 1024;

    private static final ScheduledExecutorService TIMEOUTS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "exec-sync-timeouts");
        t.setDaemon(true);
        return t;
    });

    private final ContainerStore containers;
    private final ShimRegistry shims;
    private final int outputCap;

    /** What the command did: its output (each cut at the cap, stderr then marked) and exit code. */
    public record Result(ByteString stdout, ByteString stderr, int exitCode) {}

    public ExecSync(ContainerStore containers, ShimRegistry shims, int outputCap) {
        this.containers = containers;
        this.shims = shims;
        this.outputCap = outputCap;
    }

    public Result run(String idOrPrefix, List<String> command, long timeoutSeconds) {
        if (command.isEmpty() || command.get(0).isEmpty()) {
            throw new InvalidArgumentException("cmd must name a command");
        }
        if (timeoutSeconds < 0) {
            throw new InvalidArgumentException("timeout must not be negative");
        }
        ContainerStore.Container c = containers.resolve(idOrPrefix);
        if (c.status().phase() != ContainerRunStatus.Phase.RUNNING) {
            throw new FailedPreconditionException("container " + c.id() + " is " + c.status().phase()
                    + "; commands run only in a RUNNING container");
        }
        ShimClient shim = shims.get(c.id()).orElseThrow(() -> new FailedPreconditionException("container "
                + c.id() + " has no shim (it was lost while berthd was down)"));
        AtomicBoolean timedOut = new AtomicBoolean();
        try (ProcessStream stream = shim.exec(ExecRequest.newBuilder().addAllArgs(command).build())) {
            ScheduledFuture<?> timeout = timeoutSeconds == 0 ? null : TIMEOUTS.schedule(() -> {
                timedOut.set(true);
                stream.close(); // kills the command; the read below then gets its exit
            }, timeoutSeconds, TimeUnit.SECONDS);
            try {
                Result result = collect(stream);
                if (timedOut.get()) {
                    throw new DeadlineExceededException("timeout " + timeoutSeconds + "s exceeded: "
                            + String.join(" ", command) + " was killed");
                }
                return result;
            } catch (IOException e) {
                if (timedOut.get()) {
                    throw new DeadlineExceededException("timeout " + timeoutSeconds + "s exceeded: "
                            + String.join(" ", command) + " was killed", e);
                }
                throw new InternalException("exec in container " + c.id() + " failed: " + e.getMessage(), e);
            } finally {
                if (timeout != null) {
                    timeout.cancel(false);
                }
            }
        }
    }

    private Result collect(ProcessStream stream) throws IOException {
        CappedOutput stdout = new CappedOutput(outputCap);
        CappedOutput stderr = new CappedOutput(outputCap);
        for (Chunk chunk = stream.read(); chunk != null; chunk = stream.read()) {
            switch (chunk.kind()) {
                case STDOUT -> stdout.append(chunk.data());
                case STDERR -> stderr.append(chunk.data());
                case EXIT -> {
                    return new Result(stdout.bytes(), withMarkers(stderr, stdout), chunk.exitCode());
                }
            }
        }
        throw new IOException("the exec stream ended without an exit");
    }

    /** Stderr as kept, then one line per stream that was cut; the line is the only thing past the cap. */
    private ByteString withMarkers(CappedOutput stderr, CappedOutput stdout) {
        StringBuilder markers = new StringBuilder();
        for (var cut : List.of(Map.entry("stdout", stdout), Map.entry("stderr", stderr))) {
            if (cut.getValue().cut()) {
                markers.append("\n[berth: ").append(cut.getKey()).append(" cut at ").append(outputCap)
                        .append(" bytes; the command wrote ").append(cut.getValue().total()).append("]\n");
            }
        }
        return stderr.bytes().concat(ByteString.copyFromUtf8(markers.toString()));
    }
}

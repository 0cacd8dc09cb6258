package io.berth.shim;

import io.berth.common.io.AtomicFiles;
import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import io.berth.linux.ProcessImage;
import io.berth.shim.api.HostState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Replaces the host's program in place: it writes what it holds (each container's pid, status and stdio
 * descriptors, and the listening socket), lets those descriptors survive exec, and execs the new command
 * with {@code --resume <state>}. The pid stays, so the containers stay its children (their exit codes are
 * still its to learn) and nothing they hold is closed. What does not survive: exec and attach sessions in
 * flight, and berthd's event subscription (berthd subscribes again).
 */
final class HostUpgrade {
    /** How long the upgrade waits for requests already being answered (a runtime create, say). */
    private static final long DRAIN_MILLIS = 30_000;

    private final ShimHost host;

    HostUpgrade(ShimHost host) {
        this.host = host;
    }

    /** Runs on its own thread: the caller's worker has an answer to finish. Does not return on success. */
    void replace(List<String> command, AtomicInteger inFlight, HostServer server) {
        if (command.isEmpty() || !Files.isExecutable(Path.of(command.get(0)))) {
            ShimLog.error("upgrade refused: '" + (command.isEmpty() ? "" : command.get(0)) + "' is not executable");
            System.exit(1); // draining already refused requests; berthd adopts the containers in a new host
        }
        Thread thread = new Thread(() -> {
            long deadline = System.currentTimeMillis() + DRAIN_MILLIS;
            synchronized (inFlight) {
                while (inFlight.get() > 0 && System.currentTimeMillis() < deadline) {
                    try {
                        inFlight.wait(Math.max(1, deadline - System.currentTimeMillis()));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
            CompletableFuture<HostState> held = new CompletableFuture<>();
            host.services().loop().execute(() -> {
                try {
                    held.complete(host.hold(server.listenFd()));
                } catch (Exception e) {
                    held.completeExceptionally(e);
                }
            });
            try {
                HostState state = held.get();
                FileDescriptors.setCloseOnExec(server.listenFd(), false);
                AtomicFiles.write(host.dir().upgradeState(), state.toByteArray());
                List<String> argv = new ArrayList<>(command);
                argv.addAll(List.of("--resume", host.dir().upgradeState().toString()));
                ShimLog.info("upgrading in place: " + String.join(" ", argv));
                ProcessImage.replace(argv.get(0), argv, Map.copyOf(System.getenv()));
            } catch (Exception e) {
                ShimLog.error("upgrade failed after the containers were handed over: " + e
                        + "; exiting so that berthd adopts them in a new host");
                System.exit(1);
            }
        }, "upgrade");
        thread.start();
    }

    /** Reads the state the previous image wrote, and makes its descriptors close-on-exec again. */
    static HostState resume(Path stateFile) throws Exception {
        HostState state = HostState.parseFrom(Files.readAllBytes(stateFile));
        Files.delete(stateFile);
        try {
            FileDescriptors.setCloseOnExec(state.getListenFd(), true);
        } catch (ErrnoException e) {
            throw new IllegalStateException("the listening socket did not survive the exec: " + e.getMessage(), e);
        }
        return state;
    }
}

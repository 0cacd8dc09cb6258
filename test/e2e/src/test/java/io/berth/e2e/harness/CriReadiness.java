package io.berth.e2e.harness;

import io.berth.cri.v1.VersionRequest;
import io.grpc.StatusRuntimeException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/** "Ready" for a CRI runtime means what it means to kubelet: the socket exists and a Version call succeeds. */
public final class CriReadiness {

    private CriReadiness() {
    }

    /**
     * Waits until {@code process} serves CRI on {@code socket} and returns a client for it. Fails at once if the
     * process exits first; either failure carries the process's log, since startup may fail before any test runs.
     */
    public static CriClient awaitServing(String what, LoggedProcess process, Path socket, Duration timeout) {
        awaitOrExplain(what + " to create " + socket, process, timeout, () -> Files.exists(socket));
        CriClient client = CriClient.connect(socket);
        try {
            awaitOrExplain(what + " to answer Version on " + socket, process, timeout, () -> answersVersion(client));
            return client;
        } catch (RuntimeException | Error e) {
            client.close();
            throw e;
        }
    }

    static boolean answersVersion(CriClient client) {
        // The socket may exist a moment before the server accepts; skip gRPC's backoff between our own polls.
        client.reconnectNow();
        try {
            client.runtime().withDeadlineAfter(2, TimeUnit.SECONDS)
                    .version(VersionRequest.newBuilder().setVersion("v1").build());
            return true;
        } catch (StatusRuntimeException notYet) {
            return false;
        }
    }

    private static void awaitOrExplain(String alias, LoggedProcess process, Duration timeout, Callable<Boolean> ready) {
        try {
            await(alias)
                    .atMost(timeout)
                    .pollInterval(Duration.ofMillis(50))
                    .failFast("pid " + process.pid() + " exited", () -> !process.isAlive())
                    .until(ready);
        } catch (RuntimeException | AssertionError e) {
            throw new IllegalStateException("waited for " + alias + ": " + e.getMessage()
                    + "\n---- log of pid " + process.pid() + " (" + process.logFile() + ") ----\n"
                    + process.logText(), e);
        }
    }
}

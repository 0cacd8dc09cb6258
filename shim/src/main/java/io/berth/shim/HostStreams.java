package io.berth.shim;

import io.berth.shim.api.Error;
import io.berth.shim.api.Request;
import io.berth.shim.api.Response;
import io.berth.shim.api.StreamReady;
import java.io.IOException;
import java.util.concurrent.ExecutionException;

/**
 * Exec and attach: once the request is accepted the connection carries stdio frames until the process
 * ends (exec) or the client detaches (attach). The worker that took the request answers it (and for an
 * exec runs the runtime); the stream is then served on the event loop, and no thread waits for it.
 */
final class HostStreams {
    private HostStreams() {}

    /** Hands the stream to the loop; returns true once the connection is the stream's (it closes it). */
    static boolean open(ShimHost host, int connection, Request request) throws IOException {
        Container container = host.find(request.getRunDir()).orElse(null);
        if (container == null) {
            HostServer.send(connection, HostRequests.notFound(request.getRunDir()));
            return false;
        }
        ExecProcess exec = null;
        Attacher attacher = null;
        try {
            if (request.hasExec()) {
                exec = container.exec(request.getExec(), connection);
            } else {
                // Attached before the client hears so: it misses no output after the answer.
                attacher = container.attachers().attach(connection, request.getAttach().getStdin());
            }
        } catch (ShimOperationException e) {
            HostServer.send(connection, HostServer.error(e.code(), e.getMessage()));
            return false;
        } catch (IllegalArgumentException e) {
            HostServer.send(connection, HostServer.error(Error.Code.INVALID_ARGUMENT, e.getMessage()));
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while attaching", e);
        } catch (IOException | ExecutionException | RuntimeException e) {
            ShimLog.error(request.getOpCase() + " failed: " + e);
            HostServer.send(connection, HostServer.error(Error.Code.INTERNAL,
                    request.getOpCase().name().toLowerCase() + ": " + e.getMessage()));
            return false;
        }
        try {
            HostServer.send(connection, Response.newBuilder().setStreamReady(StreamReady.getDefaultInstance()).build());
        } catch (IOException clientGone) {
            // The stream still starts: the exec runs to its end and is killed, the attacher detaches.
        }
        if (exec != null) {
            exec.start();
        } else {
            Attacher started = attacher;
            host.services().loop().execute(started::start);
        }
        return true;
    }
}

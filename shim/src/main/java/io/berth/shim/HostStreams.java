package io.berth.shim;

import io.berth.linux.FdChannel;
import io.berth.shim.api.Error;
import io.berth.shim.api.Request;
import io.berth.shim.api.Response;
import io.berth.shim.api.StreamReady;
import java.io.IOException;

/**
 * Exec and attach: once the request is accepted the connection carries stdio frames until the process
 * ends (exec) or the client detaches (attach). The session runs on the worker that accepted it; these
 * are the host's only per-session threads, and they end with the session.
 */
final class HostStreams {
    private HostStreams() {}

    /** Serves the stream to its end; returns true once the connection is the stream's (it closes it). */
    static boolean open(ShimHost host, int connection, Request request) throws IOException {
        Container container = host.find(request.getRunDir()).orElse(null);
        if (container == null) {
            HostServer.send(connection, HostRequests.notFound(request.getRunDir()));
            return false;
        }
        FdChannel channel = new FdChannel(connection);
        Runnable session;
        try {
            if (request.hasExec()) {
                session = container.exec(request.getExec(), channel)::run;
            } else {
                // Attached before the client hears so: it misses no output after the answer.
                session = container.attachers().attach(channel, request.getAttach().getStdin())::serve;
            }
        } catch (ShimOperationException e) {
            HostServer.send(connection, HostServer.error(e.code(), e.getMessage()));
            return false;
        } catch (IllegalArgumentException e) {
            HostServer.send(connection, HostServer.error(Error.Code.INVALID_ARGUMENT, e.getMessage()));
            return false;
        } catch (IOException | RuntimeException e) {
            ShimLog.error(request.getOpCase() + " failed: " + e);
            HostServer.send(connection, HostServer.error(Error.Code.INTERNAL,
                    request.getOpCase().name().toLowerCase() + ": " + e.getMessage()));
            return false;
        }
        HostServer.send(connection, Response.newBuilder().setStreamReady(StreamReady.getDefaultInstance()).build());
        session.run();
        return true;
    }
}

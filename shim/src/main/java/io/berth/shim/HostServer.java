package io.berth.shim;

import io.berth.linux.Epoll;
import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import io.berth.linux.Posix;
import io.berth.linux.UnixSockets;
import io.berth.shim.api.Error;
import io.berth.shim.api.ExitStatus;
import io.berth.shim.api.Request;
import io.berth.shim.api.Response;
import io.berth.shim.protocol.MessageSocket;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves the host's control socket: the event loop accepts each connection and reads its requests
 * ({@link ControlConnection}), and a worker answers each request (it may run the OCI runtime for a while).
 * Only the socket's owner, root, may talk to the host. A request names its container by run dir; host
 * requests name none.
 */
final class HostServer {
    private final ShimHost host;
    private final int listenFd;
    private final HostEvents events;
    private final HostUpgrade upgrade;
    /** Requests being answered, not counting streams, waits and event subscriptions. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean draining;

    HostServer(ShimHost host, int listenFd, HostEvents events, HostUpgrade upgrade) {
        this.host = host;
        this.listenFd = listenFd;
        this.events = events;
        this.upgrade = upgrade;
    }

    /** Starts accepting on the loop. */
    void start() throws ErrnoException {
        FileDescriptors.setNonBlocking(listenFd, true);
        host.services().loop().register(listenFd, Epoll.IN, ready -> acceptAll());
    }

    int listenFd() {
        return listenFd;
    }

    private void acceptAll() {
        while (true) {
            int connection;
            try {
                connection = UnixSockets.accept(listenFd);
            } catch (ErrnoException e) {
                ShimLog.error("accept failed: " + e.getMessage());
                return;
            }
            if (connection < 0) {
                return;
            }
            try {
                if (UnixSockets.peerUid(connection) != Posix.euid()) {
                    FileDescriptors.closeQuietly(connection);
                    continue;
                }
                ControlConnection.serve(host.services().loop(), host.services().workers(), connection,
                        this::answer);
            } catch (ErrnoException e) {
                ShimLog.error("connection refused: " + e.getMessage());
                FileDescriptors.closeQuietly(connection);
            }
        }
    }

    /**
     * Answers one request, on a worker; true when the connection now belongs to a stream, a wait or a
     * subscription.
     */
    private boolean answer(int connection, Request request, int[] fds) throws IOException {
        // Host info and event subscriptions go on while upgrading: berthd uses them to follow the exec.
        if (draining && !request.hasHostInfo() && !request.hasEvents()) {
            MessageSocket.closeAll(fds);
            send(connection, error(Error.Code.UNAVAILABLE, "the shim host is upgrading; ask again"));
            return false;
        }
        switch (request.getOpCase()) {
            case EVENTS:
                if (!events.subscribe(connection)) {
                    // Closed after the answer: the subscriber's stream ends, rather than waiting on for events.
                    send(connection, error(Error.Code.UNAVAILABLE, "too many event subscribers"));
                    FileDescriptors.closeQuietly(connection);
                }
                return true;
            case UPGRADE:
                send(connection, Response.newBuilder().setHostInfo(host.info()).build());
                draining = true;
                upgrade.replace(request.getUpgrade().getCommandList(), inFlight, this);
                return false;
            case EXEC:
            case ATTACH:
                return HostStreams.open(host, connection, request);
            case WAIT:
                return awaitExit(connection, request);
            default:
                break;
        }
        inFlight.incrementAndGet();
        try {
            HostRequests.Answer answer = new HostRequests(host).answer(request, fds);
            MessageSocket.send(connection, answer.response(), answer.fds());
            if (answer.exitHost()) {
                ShimLog.info("the host carries no container any more and exits");
                System.exit(0);
            }
            return false;
        } finally {
            synchronized (inFlight) {
                if (inFlight.decrementAndGet() == 0) {
                    inFlight.notifyAll(); // an upgrade may be waiting for the last answer
                }
            }
        }
    }

    /** Answers once the container has exited, from whichever thread records the exit; no thread waits. */
    private boolean awaitExit(int connection, Request request) throws IOException {
        Container container = host.find(request.getRunDir()).orElse(null);
        if (container == null) {
            send(connection, HostRequests.notFound(request.getRunDir()));
            return false;
        }
        container.exit().whenComplete((ExitStatus exit, Throwable failure) -> {
            try {
                send(connection, failure == null ? Response.newBuilder().setExit(exit).build()
                        : error(Error.Code.INTERNAL, "wait: " + failure.getMessage()));
            } catch (IOException gone) {
                // The waiter left.
            } finally {
                FileDescriptors.closeQuietly(connection);
            }
        });
        return true;
    }

    /** Whether answers are still being written; the upgrade waits for none. */
    int inFlight() {
        return inFlight.get();
    }

    static void send(int connection, Response response) throws IOException {
        MessageSocket.send(connection, response, new int[0]);
    }

    static Response error(Error.Code code, String message) {
        return Response.newBuilder().setError(Error.newBuilder().setCode(code).setMessage(String.valueOf(message)))
                .build();
    }
}

package io.berth.shim;

import io.berth.shim.api.Error;
import io.berth.shim.api.ExitStatus;
import io.berth.shim.api.Request;
import io.berth.shim.api.Response;
import io.berth.shim.api.StreamReady;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ExecutionException;

/**
 * Serves the shim's control protocol (berth/shim/v1/shim.proto) on a unix socket: length-delimited
 * {@link Request}s, each answered by one {@link Response}, one thread per connection since a wait may
 * block its connection until the container exits. After a successful delete the shim exits.
 */
final class ControlServer {
    private final Path socket;
    private final Container container;

    ControlServer(Path socket, Container container) {
        this.socket = socket;
        this.container = container;
    }

    /** Binds the socket (owner-only) and serves until the process exits. */
    void serve() throws IOException {
        Files.deleteIfExists(socket); // a socket file left by an earlier shim of this run dir
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            while (true) {
                SocketChannel connection = server.accept();
                // 512 KiB: an exec parses config.json with Jackson, whose first use loads classes deeply
                // nested; only the touched part of a stack costs memory.
                Thread thread = new Thread(null, () -> handle(connection), "control", 512 * 1024);
                thread.setDaemon(true);
                thread.start();
            }
        }
    }

    private void handle(SocketChannel connection) {
        try (connection) {
            InputStream in = Channels.newInputStream(connection);
            OutputStream out = Channels.newOutputStream(connection);
            Request request;
            while ((request = Request.parseDelimitedFrom(in)) != null) {
                if (request.hasExec() || request.hasAttach()) {
                    stream(request, connection, out);
                    return;
                }
                Response response = answer(request);
                response.writeDelimitedTo(out);
                out.flush();
                if (request.hasDelete() && !response.hasError()) {
                    Files.deleteIfExists(socket);
                    ShimLog.info("container deleted, shim exits");
                    System.exit(0);
                }
            }
        } catch (IOException e) {
            // The client went away mid-request; nothing to answer.
        }
    }

    /**
     * Exec and attach: once the request is accepted the connection carries stdio frames until the
     * process ends (exec) or the client detaches (attach), on this thread.
     */
    private void stream(Request request, SocketChannel connection, OutputStream out) throws IOException {
        Runnable session;
        try {
            if (request.hasExec()) {
                session = container.exec(request.getExec(), connection)::run;
            } else {
                // Attached before the client hears so: it misses no output after the answer.
                session = container.attachers().attach(connection, request.getAttach().getStdin())::serve;
            }
        } catch (ShimOperationException e) {
            error(e.code(), e.getMessage()).writeDelimitedTo(out);
            return;
        } catch (IllegalArgumentException e) {
            error(Error.Code.INVALID_ARGUMENT, e.getMessage()).writeDelimitedTo(out);
            return;
        } catch (IOException | RuntimeException e) {
            ShimLog.error(request.getOpCase() + " failed: " + e);
            error(Error.Code.INTERNAL, request.getOpCase().name().toLowerCase() + ": " + e.getMessage())
                    .writeDelimitedTo(out);
            return;
        }
        Response.newBuilder().setStreamReady(StreamReady.getDefaultInstance()).build().writeDelimitedTo(out);
        out.flush();
        session.run();
    }

    private Response answer(Request request) {
        try {
            switch (request.getOpCase()) {
                case STATE:
                    break;
                case START:
                    container.start();
                    break;
                case KILL:
                    container.kill(request.getKill().getSignal(), request.getKill().getAll());
                    break;
                case RESIZE:
                    container.resize(request.getResize().getWidth(), request.getResize().getHeight());
                    break;
                case REOPEN_LOG:
                    container.reopenLog();
                    break;
                case CLOSE_STDIN:
                    container.closeStdin();
                    break;
                case DELETE:
                    container.delete(request.getDelete().getForce());
                    break;
                case WAIT:
                    return Response.newBuilder().setExit(awaitExit()).build();
                default:
                    return error(Error.Code.INVALID_ARGUMENT, "unknown request " + request.getOpCase());
            }
            return Response.newBuilder().setState(container.state()).build();
        } catch (ShimOperationException e) {
            return error(e.code(), e.getMessage());
        } catch (IllegalArgumentException e) {
            return error(Error.Code.INVALID_ARGUMENT, e.getMessage());
        } catch (Exception e) {
            ShimLog.error(request.getOpCase() + " failed: " + e);
            return error(Error.Code.INTERNAL, request.getOpCase().name().toLowerCase() + ": " + e.getMessage());
        }
    }

    private ExitStatus awaitExit() throws InterruptedException, ExecutionException {
        return container.exit().get();
    }

    private static Response error(Error.Code code, String message) {
        return Response.newBuilder().setError(Error.newBuilder().setCode(code).setMessage(String.valueOf(message)))
                .build();
    }
}

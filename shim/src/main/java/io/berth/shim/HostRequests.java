package io.berth.shim;

import io.berth.shim.api.Error;
import io.berth.shim.api.Request;
import io.berth.shim.api.Response;
import io.berth.shim.api.ShimConfig;
import io.berth.shim.protocol.MessageSocket;
import java.io.IOException;

/**
 * Answers the host's one-shot requests: the host's own (create, adopt, list, host info) and those for one
 * container (state, start, kill, resize, reopen log, close stdin, stdio, delete). Failures become an
 * {@link Error} with the code the client maps; nothing here throws past the answer.
 */
final class HostRequests {
    /** An answer, the descriptors that go beside it, and whether the host exits once it is sent. */
    record Answer(Response response, int[] fds, boolean exitHost) {
        static Answer of(Response response) {
            return new Answer(response, new int[0], false);
        }
    }

    private final ShimHost host;

    HostRequests(ShimHost host) {
        this.host = host;
    }

    Answer answer(Request request, int[] fds) {
        try {
            switch (request.getOpCase()) {
                case CREATE:
                    try {
                        return withStdio(host.create(checked(request, request.getCreate().getConfig())));
                    } catch (ShimOperationException | IOException | RuntimeException e) {
                        Answer failed = failure(request, e);
                        return new Answer(failed.response(), failed.fds(), host.closeIfIdle());
                    }
                case ADOPT:
                    int[] taken = fds;
                    fds = new int[0]; // the container owns them now, even if adopting fails half way
                    return Answer.of(state(host.adopt(checked(request, request.getAdopt().getConfig()),
                            request.getAdopt().getStdio(), taken)));
                case LIST:
                    return Answer.of(Response.newBuilder().setList(host.list()).build());
                case HOST_INFO:
                    return Answer.of(Response.newBuilder().setHostInfo(host.info()).build());
                default:
                    return container(request);
            }
        } catch (Exception e) {
            return failure(request, e);
        } finally {
            MessageSocket.closeAll(fds);
        }
    }

    private static Answer failure(Request request, Exception e) {
        if (e instanceof ShimOperationException refused) {
            return Answer.of(HostServer.error(refused.code(), refused.getMessage()));
        }
        if (e instanceof IllegalArgumentException) {
            return Answer.of(HostServer.error(Error.Code.INVALID_ARGUMENT, e.getMessage()));
        }
        ShimLog.error(request.getOpCase() + " failed: " + e);
        return Answer.of(HostServer.error(Error.Code.INTERNAL,
                request.getOpCase().name().toLowerCase() + ": " + e.getMessage()));
    }

    private Answer container(Request request) throws Exception {
        Container container = host.find(request.getRunDir()).orElse(null);
        if (container == null) {
            return Answer.of(notFound(request.getRunDir()));
        }
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
            case STDIO:
                return withStdio(container);
            case DELETE:
                boolean exitHost = host.delete(container, request.getDelete().getForce());
                return new Answer(state(container), new int[0], exitHost);
            default:
                return Answer.of(HostServer.error(Error.Code.INVALID_ARGUMENT, "unknown request " + request.getOpCase()));
        }
        return Answer.of(state(container));
    }

    /** The request's run dir and the config's must agree: the run dir is how the container is named. */
    private static ShimConfig checked(Request request, ShimConfig config) {
        if (!request.getRunDir().equals(config.getRunDir())) {
            throw new IllegalArgumentException("request for run dir '" + request.getRunDir() + "' carries the config of '"
                    + config.getRunDir() + "'");
        }
        return config;
    }

    private static Answer withStdio(Container container) {
        Response response = Response.newBuilder().setState(container.state()).setStdio(container.stdio().roles())
                .build();
        return new Answer(response, container.stdio().fds(), false);
    }

    private static Response state(Container container) {
        return Response.newBuilder().setState(container.state()).build();
    }

    static Response notFound(String runDir) {
        return HostServer.error(Error.Code.NOT_FOUND, "this shim host carries no container in " + runDir);
    }
}

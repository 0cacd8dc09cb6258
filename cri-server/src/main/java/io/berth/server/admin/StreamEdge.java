package io.berth.server.admin;

import io.berth.server.grpc.ErrorTranslator;
import io.berth.server.grpc.RpcObserver;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The edge of the admin service's streaming calls, whose work does not fit RpcTable's unary and
 * server-streaming shapes (a client stream; a server stream fed from a thread of its own). Failures become
 * statuses through the one {@link ErrorTranslator}, are logged and observed as RpcTable does it.
 */
final class StreamEdge {
    private static final Logger LOG = Logger.getLogger("io.berth.server.rpc");

    private final RpcObserver observer;

    StreamEdge(RpcObserver observer) {
        this.observer = observer;
    }

    void completed(String rpc, long startNanos) {
        observer.completed(rpc, Status.Code.OK, System.nanoTime() - startNanos);
    }

    /** Answers the call with the status of {@code failure}. */
    void failed(String rpc, long startNanos, Throwable failure, StreamObserver<?> call) {
        Status status = ErrorTranslator.toStatus(rpc, failure);
        String line = rpc + " failed: " + status.getCode() + ": " + status.getDescription();
        if (status.getCode() == Status.Code.INTERNAL || status.getCode() == Status.Code.UNKNOWN) {
            LOG.log(Level.WARNING, line, failure);
        } else {
            LOG.warning(line);
        }
        observer.completed(rpc, status.getCode(), System.nanoTime() - startNanos);
        call.onError(status.asRuntimeException());
    }

    /** The client went away (cancelled, or its connection broke): there is no one left to answer. */
    void abandoned(String rpc, long startNanos) {
        LOG.info(rpc + " ended: the client cancelled the call or went away");
        observer.completed(rpc, Status.Code.CANCELLED, System.nanoTime() - startNanos);
    }
}

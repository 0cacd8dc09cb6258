package io.berth.server.grpc;

import io.grpc.Status;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Told about every finished RPC, once, by {@link RpcTable}: berthd chains the RPC metrics in front of the debug
 * log, so that neither the table nor the handlers know who listens.
 */
public interface RpcObserver {
    void completed(String rpc, Status.Code code, long nanos);

    /** Logs each call with its duration at debug level. */
    static RpcObserver debugLog() {
        Logger log = Logger.getLogger("io.berth.server.rpc");
        return (rpc, code, nanos) -> log.fine(() -> "rpc=" + rpc + " code=" + code + " duration="
                + TimeUnit.NANOSECONDS.toMicros(nanos) / 1000.0 + "ms");
    }
}

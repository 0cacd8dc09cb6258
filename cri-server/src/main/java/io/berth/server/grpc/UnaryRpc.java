package io.berth.server.grpc;

/** One unary CRI call. Implementations throw typed exceptions; they never build a gRPC status. */
@FunctionalInterface
public interface UnaryRpc<Q, R> {
    R call(Q request) throws Exception;
}

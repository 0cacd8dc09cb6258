package io.berth.server.grpc;

import io.grpc.stub.StreamObserver;

/**
 * One server-streaming CRI call. The implementation sends responses to {@code out} and completes it;
 * a failure it throws before completing is translated at the edge like a unary failure.
 */
@FunctionalInterface
public interface ServerStreamRpc<Q, R> {
    void call(Q request, StreamObserver<R> out) throws Exception;
}

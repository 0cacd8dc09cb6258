package io.berth.e2e.reliability;

import io.berth.cri.v1.ContainerEventResponse;
import io.berth.cri.v1.ContainerEventType;
import io.berth.cri.v1.GetEventsRequest;
import io.berth.cri.v1.RuntimeServiceGrpc;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/** A GetContainerEvents stream read throughout a load run, as kubelet's evented PLEG reads it: counts by type. */
final class LoadEventStream implements ClientResponseObserver<GetEventsRequest, ContainerEventResponse>,
        AutoCloseable {
    private final Map<ContainerEventType, LongAdder> byType = new ConcurrentHashMap<>();
    private final AtomicReference<Status> closedWith = new AtomicReference<>();
    private volatile ClientCallStreamObserver<GetEventsRequest> call;

    static LoadEventStream open(Channel channel) {
        LoadEventStream stream = new LoadEventStream();
        RuntimeServiceGrpc.newStub(channel).getContainerEvents(GetEventsRequest.getDefaultInstance(), stream);
        return stream;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<GetEventsRequest> requestStream) {
        call = requestStream;
    }

    @Override
    public void onNext(ContainerEventResponse event) {
        byType.computeIfAbsent(event.getContainerEventType(), t -> new LongAdder()).increment();
    }

    @Override
    public void onError(Throwable t) {
        closedWith.set(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
        closedWith.set(Status.OK);
    }

    /** How the server ended the stream; null while it is open. */
    Status closedWith() {
        return closedWith.get();
    }

    long count(ContainerEventType type) {
        LongAdder n = byType.get(type);
        return n == null ? 0 : n.sum();
    }

    Map<ContainerEventType, Long> counts() {
        Map<ContainerEventType, Long> out = new TreeMap<>();
        byType.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    @Override
    public void close() {
        if (call != null && closedWith.get() == null) {
            call.cancel("load run over", null);
        }
    }
}

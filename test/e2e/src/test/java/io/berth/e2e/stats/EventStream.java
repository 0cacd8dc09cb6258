package io.berth.e2e.stats;

import io.berth.cri.v1.ContainerEventResponse;
import io.berth.cri.v1.GetEventsRequest;
import io.berth.cri.v1.RuntimeServiceGrpc;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One GetContainerEvents stream as kubelet opens it. {@code initialRequests} &lt; 0 reads everything as it comes;
 * otherwise gRPC's client-side flow control delivers only that many messages until {@link #request} asks for more,
 * which is a consumer that stopped reading.
 */
final class EventStream implements ClientResponseObserver<GetEventsRequest, ContainerEventResponse>, AutoCloseable {
    final List<ContainerEventResponse> received = new CopyOnWriteArrayList<>();
    final AtomicReference<Status> closedWith = new AtomicReference<>();
    private final int initialRequests;
    private volatile ClientCallStreamObserver<GetEventsRequest> call;

    private EventStream(int initialRequests) {
        this.initialRequests = initialRequests;
    }

    static EventStream open(Channel channel, int initialRequests) {
        EventStream stream = new EventStream(initialRequests);
        RuntimeServiceGrpc.newStub(channel).getContainerEvents(GetEventsRequest.getDefaultInstance(), stream);
        return stream;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<GetEventsRequest> requestStream) {
        call = requestStream;
        if (initialRequests >= 0) {
            requestStream.disableAutoRequestWithInitial(initialRequests);
        }
    }

    void request(int n) {
        call.request(n);
    }

    /** The events of {@code containerId}, in the order they came. */
    List<ContainerEventResponse> of(String containerId) {
        return received.stream().filter(e -> e.getContainerId().equals(containerId)).toList();
    }

    @Override
    public void onNext(ContainerEventResponse value) {
        received.add(value);
    }

    @Override
    public void onError(Throwable t) {
        closedWith.set(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
        closedWith.set(Status.OK);
    }

    @Override
    public void close() {
        if (call != null && closedWith.get() == null) {
            call.cancel("test done", null);
        }
    }
}

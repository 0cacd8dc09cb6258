package io.berth.server.rpc;

import io.berth.cri.v1.ContainerEventResponse;
import io.berth.cri.v1.GetEventsRequest;
import io.berth.server.events.ContainerEventBus;
import io.berth.server.events.EventSink;
import io.berth.server.events.EventSubscriber;
import io.berth.server.grpc.ErrorTranslator;
import io.berth.server.grpc.ServerStreamRpc;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * GetContainerEvents: one bus subscriber per stream. The stream sends only while gRPC says it is ready, so
 * a client that stops reading fills its own subscriber's buffer; a client that cancels is unsubscribed.
 */
public final class GetContainerEventsRpc implements ServerStreamRpc<GetEventsRequest, ContainerEventResponse> {
    private static final String NAME = "GetContainerEvents";

    private final ContainerEventBus bus;

    public GetContainerEventsRpc(ContainerEventBus bus) {
        this.bus = bus;
    }

    @Override
    public void call(GetEventsRequest request, StreamObserver<ContainerEventResponse> out) {
        ServerCallStreamObserver<ContainerEventResponse> call = (ServerCallStreamObserver<ContainerEventResponse>) out;
        EventSubscriber subscriber = bus.subscribe(new StreamSink(call));
        // Both handlers must be set before this method returns; gRPC delivers cancel and ready after that.
        call.setOnCancelHandler(subscriber::cancel);
        call.setOnReadyHandler(subscriber::drain);
    }

    private record StreamSink(ServerCallStreamObserver<ContainerEventResponse> call) implements EventSink {
        @Override
        public boolean isReady() {
            return !call.isCancelled() && call.isReady();
        }

        @Override
        public void send(ContainerEventResponse event) {
            call.onNext(event);
        }

        @Override
        public void close(Exception reason) {
            if (!call.isCancelled()) {
                call.onError(ErrorTranslator.toStatus(NAME, reason).asRuntimeException());
            }
        }
    }
}

package io.berth.server.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.cri.v1.ContainerEventResponse;
import io.berth.cri.v1.ContainerEventType;
import io.berth.cri.v1.GetEventsRequest;
import io.berth.cri.v1.RuntimeServiceGrpc;
import io.berth.server.grpc.InProcessCri;
import io.berth.server.grpc.RpcTable;
import io.berth.server.rpc.GetContainerEventsRpc;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** GetContainerEvents through an in-process gRPC server, with clients that read fast, never, or go away. */
class ContainerEventsRpcTest {
    static final int CAPACITY = 16;
    static final ContainerEventType[] LIFECYCLE = {ContainerEventType.CONTAINER_CREATED_EVENT,
            ContainerEventType.CONTAINER_STARTED_EVENT, ContainerEventType.CONTAINER_STOPPED_EVENT,
            ContainerEventType.CONTAINER_DELETED_EVENT};

    final ContainerEventBus bus = new ContainerEventBus(CAPACITY);
    final InProcessCri cri;

    ContainerEventsRpcTest() throws Exception {
        cri = new InProcessCri(new RpcTable((rpc, code, nanos) -> { })
                .serverStream(RuntimeServiceGrpc.getGetContainerEventsMethod(), new GetContainerEventsRpc(bus)));
    }

    @AfterEach
    void close() throws Exception {
        cri.close();
    }

    /** A client stream; {@code initialRequests < 0} reads as fast as events come, otherwise it asks for that many only. */
    final class Client implements ClientResponseObserver<GetEventsRequest, ContainerEventResponse> {
        final int initialRequests;
        final List<ContainerEventResponse> received = new CopyOnWriteArrayList<>();
        final AtomicReference<Status> closedWith = new AtomicReference<>();
        volatile ClientCallStreamObserver<GetEventsRequest> call;

        Client(int initialRequests) {
            this.initialRequests = initialRequests;
            RuntimeServiceGrpc.newStub(cri.channel()).getContainerEvents(GetEventsRequest.getDefaultInstance(), this);
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<GetEventsRequest> requestStream) {
            call = requestStream;
            if (initialRequests >= 0) {
                requestStream.disableAutoRequestWithInitial(initialRequests);
            }
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
    }

    static ContainerEventResponse event(String container, ContainerEventType type, long at) {
        return ContainerEventResponse.newBuilder().setContainerId(container).setContainerEventType(type)
                .setCreatedAt(at).build();
    }

    /** The full lifecycle of {@code containers} containers, interleaved: CREATED of all, STARTED of all, ... */
    static List<ContainerEventResponse> lifecycles(int containers) {
        return IntStream.range(0, LIFECYCLE.length).boxed()
                .flatMap(step -> IntStream.range(0, containers)
                        .mapToObj(c -> event("c" + c, LIFECYCLE[step], step * 1000L + c)))
                .toList();
    }

    void awaitSubscribers(int n) {
        await().atMost(Duration.ofSeconds(5)).until(() -> bus.subscriberCount() == n);
    }

    @Test
    void eventsArriveInPublishOrderWithTheirContent() {
        Client client = new Client(-1);
        awaitSubscribers(1);
        List<ContainerEventResponse> events = lifecycles(5);
        events.forEach(bus::publish);

        await().atMost(Duration.ofSeconds(5)).until(() -> client.received.size() == events.size());
        assertThat(client.received).containsExactlyElementsOf(events);
        assertThat(client.received.stream().filter(e -> e.getContainerId().equals("c3"))
                .map(ContainerEventResponse::getContainerEventType)).containsExactly(LIFECYCLE);
        assertThat(client.closedWith.get()).as("the stream stays open").isNull();
    }

    @Test
    void everySubscriberGetsEveryEvent() {
        List<Client> clients = List.of(new Client(-1), new Client(-1), new Client(-1));
        awaitSubscribers(3);
        List<ContainerEventResponse> events = lifecycles(10);
        events.forEach(bus::publish);

        for (Client c : clients) {
            await().atMost(Duration.ofSeconds(5)).until(() -> c.received.size() == events.size());
            assertThat(c.received).containsExactlyElementsOf(events);
        }
    }

    @Test
    void aStuckConsumerIsClosedWhileAFastOneKeepsReceivingAndPublishNeverWaits() {
        Client stuck = new Client(2);
        Client fast = new Client(-1);
        awaitSubscribers(2);
        List<ContainerEventResponse> events = lifecycles(250);

        long start = System.nanoTime();
        events.forEach(bus::publish);
        Duration publishing = Duration.ofNanos(System.nanoTime() - start);

        await().atMost(Duration.ofSeconds(5)).until(() -> stuck.closedWith.get() != null);
        assertThat(stuck.closedWith.get().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(stuck.closedWith.get().getDescription()).startsWith("event consumer too slow")
                .contains(Integer.toString(CAPACITY));
        assertThat(stuck.received).as("what it asked for, then nothing").containsExactlyElementsOf(events.subList(0, 2));

        await().atMost(Duration.ofSeconds(5)).until(() -> fast.received.size() == events.size());
        assertThat(fast.received).containsExactlyElementsOf(events);
        assertThat(fast.closedWith.get()).isNull();
        assertThat(bus.subscriberCount()).as("the stuck one is gone").isEqualTo(1);
        // 1000 publishes with a stuck consumer: nothing waited for it (a generous bound, not a benchmark).
        assertThat(publishing).isLessThan(Duration.ofSeconds(5));

        bus.publish(event("late", ContainerEventType.CONTAINER_CREATED_EVENT, 1));
        await().atMost(Duration.ofSeconds(5)).until(() -> fast.received.size() == events.size() + 1);
    }

    @Test
    void aConsumerThatCatchesUpBeforeItsBufferFillsLosesNothing() {
        Client slow = new Client(0);
        awaitSubscribers(1);
        List<ContainerEventResponse> events = lifecycles(CAPACITY / 4);
        events.forEach(bus::publish);
        assertThat(slow.received).isEmpty();

        slow.call.request(events.size());
        await().atMost(Duration.ofSeconds(5)).until(() -> slow.received.size() == events.size());
        assertThat(slow.received).containsExactlyElementsOf(events);
        assertThat(slow.closedWith.get()).isNull();
    }

    @Test
    void aCancelledStreamIsUnsubscribed() {
        Client leaving = new Client(-1);
        Client staying = new Client(-1);
        awaitSubscribers(2);

        leaving.call.cancel("kubelet restarts", null);
        awaitSubscribers(1);
        bus.publish(event("c1", ContainerEventType.CONTAINER_CREATED_EVENT, 1));
        await().atMost(Duration.ofSeconds(5)).until(() -> staying.received.size() == 1);
        assertThat(leaving.received).isEmpty();
    }

    @Test
    void closingTheBusEndsEveryStreamAsUnavailable() {
        Client a = new Client(-1);
        Client b = new Client(0);
        awaitSubscribers(2);
        bus.close();

        await().atMost(Duration.ofSeconds(5)).until(() -> a.closedWith.get() != null && b.closedWith.get() != null);
        assertThat(a.closedWith.get().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(b.closedWith.get().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(bus.subscriberCount()).isZero();

        Client late = new Client(-1);
        await().atMost(Duration.ofSeconds(5)).until(() -> late.closedWith.get() != null);
        assertThat(late.closedWith.get().getCode()).as("subscribing after close").isEqualTo(Status.Code.UNAVAILABLE);
    }
}

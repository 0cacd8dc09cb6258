package io.berth.e2e.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.cri.v1.ContainerEventResponse;
import io.berth.cri.v1.ContainerEventType;
import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ContainerStatus;
import io.berth.cri.v1.RemoveContainerRequest;
import io.berth.cri.v1.StopContainerRequest;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import io.berth.cri.v1.RuntimeServiceGrpc;
import io.berth.e2e.harness.BasicCriCalls;
import io.berth.e2e.harness.BerthdOptions;
import io.berth.e2e.harness.BerthdProcess;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** GetContainerEvents from a real berthd: a whole lifecycle in order, and a stuck consumer that stalls nobody. */
class ContainerEventsE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static final String BRIDGE = "bst-evt";
    private static final List<ContainerEventType> LIFECYCLE = List.of(ContainerEventType.CONTAINER_CREATED_EVENT,
            ContainerEventType.CONTAINER_STARTED_EVENT, ContainerEventType.CONTAINER_STOPPED_EVENT,
            ContainerEventType.CONTAINER_DELETED_EVENT);
    private static StatsTestbed bed;
    private static String probePod;

    @BeforeAll
    static void start() throws Exception {
        E2eSettings.assumeOwnBerthd();
        bed = StatsTestbed.start(daemons, BRIDGE, "10.241.3.0/24", "");
        probePod = bed.pod("probe");
    }

    @AfterAll
    static void cleanUp() {
        if (bed != null) {
            bed.close();
        } else {
            StatsTestbed.cleanHost(BRIDGE);
        }
    }

    /**
     * A stream subscribes on the server some time after the call is made; events before that are not its to see.
     * Creating probe containers until the stream has seen one's CREATED event proves it is subscribed.
     */
    private static void awaitSubscribed(EventStream stream) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> {
            bed.create(probePod, "probe-" + System.nanoTime(), java.util.Map.of(), "true");
            return !stream.received.isEmpty();
        });
    }

    private static void lifecycle(String id) {
        bed.start(id);
        bed.cri.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(0).build());
        bed.cri.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
    }

    @Test
    void aContainersLifecycleArrivesInOrderWithItsPodAndContainerStatuses() {
        try (EventStream events = EventStream.open(bed.cri.channel(), -1)) {
            awaitSubscribed(events);
            String pod = bed.pod("lifecycle");
            String id = bed.create(pod, "short", java.util.Map.of(), "sh", "-c", "exit 3");
            bed.start(id);
            await().atMost(Duration.ofSeconds(20)).until(() -> events.of(id).size() >= 3);
            bed.cri.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
            await().atMost(Duration.ofSeconds(20)).until(() -> events.of(id).size() >= 4);

            List<ContainerEventResponse> seen = events.of(id);
            assertThat(seen).extracting(ContainerEventResponse::getContainerEventType)
                    .containsExactlyElementsOf(LIFECYCLE);
            assertThat(seen).allSatisfy(e -> {
                assertThat(e.getPodSandboxStatus().getId()).isEqualTo(pod);
                assertThat(e.getPodSandboxStatus().getMetadata().getName()).isEqualTo("lifecycle");
                assertThat(e.getCreatedAt()).isPositive();
            });
            assertThat(seen).extracting(ContainerEventResponse::getCreatedAt).isSorted();
            assertThat(statusOf(seen.get(0), id).getState()).isEqualTo(ContainerState.CONTAINER_CREATED);
            assertThat(statusOf(seen.get(1), id).getState()).as("built under the store's lock, before the exit")
                    .isEqualTo(ContainerState.CONTAINER_RUNNING);
            assertThat(statusOf(seen.get(2), id).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
            assertThat(statusOf(seen.get(2), id).getExitCode()).isEqualTo(3);
            assertThat(seen.get(3).getContainersStatusesList()).extracting(ContainerStatus::getId)
                    .as("gone from its pod once deleted").doesNotContain(id);
        }
    }

    @Test
    void aConsumerThatStopsReadingStallsNeitherCreateContainerNorAnotherConsumer() throws Exception {
        // A small HTTP/2 window, so the stuck stream's transport fills and berthd really has to hold its events.
        try (UnixChannel tight = new UnixChannel(bed.berthd.socket(), 1024);
                EventStream stuck = EventStream.open(tight.channel, 1);
                EventStream reader = EventStream.open(bed.cri.channel(), -1)) {
            awaitSubscribed(stuck);
            awaitSubscribed(reader);
            int stuckBefore = stuck.received.size();
            assertThat(stuckBefore).as("it asked for one event only").isEqualTo(1);

            String pod = bed.pod("crowd");
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                // Every call has the client's 30 s deadline: a publish that waited on the stuck stream would fail here.
                ids.add(bed.create(pod, "c" + i, java.util.Map.of(), "sleep", "100"));
            }
            ids.forEach(ContainerEventsE2eTest::lifecycle);

            await().atMost(Duration.ofSeconds(20)).until(() -> ids.stream().allMatch(id -> reader.of(id).size() == 4));
            for (String id : ids) {
                assertThat(reader.of(id)).extracting(ContainerEventResponse::getContainerEventType)
                        .containsExactlyElementsOf(LIFECYCLE);
            }
            assertThat(stuck.received).as("nothing beyond what it asked for").hasSize(stuckBefore);
            assertThat(stuck.closedWith.get()).as("still open: %d events fit its buffer", ids.size() * 4).isNull();

            stuck.request(Integer.MAX_VALUE);
            List<String> expected = steps(reader, ids);
            await().atMost(Duration.ofSeconds(20)).until(() -> steps(stuck, ids).size() == expected.size());
            assertThat(steps(stuck, ids)).as("held back, then delivered whole and in the same order")
                    .containsExactlyElementsOf(expected);
        }
    }

    @Test
    void anOpenStreamEndsAsUnavailableWhenBerthdStopsAndDoesNotHoldTheStop() throws Exception {
        // A daemon of this test's own, since it is stopped; a long grace period that a held stream would use up.
        BerthdProcess own = daemons.startBerthd(BerthdOptions.defaults().withConfig("shutdown_grace_seconds = 120\n"
                + "[network]\nbridge = \"bst-stop\"\nsubnet = \"10.241.5.0/24\"\n"));
        try (UnixChannel channel = new UnixChannel(own.socket(), 1 << 20);
                EventStream stream = EventStream.open(channel.channel, -1)) {
            // Once a later call on the same connection is answered, the stream is a call berthd has in flight
            // (subscribed before the stop, or refused by the closed bus right after it: "shutting down" either way).
            RuntimeServiceGrpc.newBlockingStub(channel.channel).version(BasicCriCalls.VERSION);
            own.signal("TERM");
            await().atMost(Duration.ofSeconds(30)).until(() -> stream.closedWith.get() != null);
            assertThat(stream.closedWith.get().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(stream.closedWith.get().getDescription()).contains("shutting down");
            await().atMost(Duration.ofSeconds(30)).until(() -> !own.isAlive());
            assertThat(own.stop()).as("a clean stop").isZero();
        } finally {
            StatsTestbed.cleanHost("bst-stop");
        }
    }

    /** The events of {@code ids} a stream received, as "id type", in arrival order. */
    private static List<String> steps(EventStream stream, List<String> ids) {
        return stream.received.stream().filter(e -> ids.contains(e.getContainerId()))
                .map(e -> e.getContainerId() + " " + e.getContainerEventType()).toList();
    }

    private static ContainerStatus statusOf(ContainerEventResponse e, String id) {
        return e.getContainersStatusesList().stream().filter(s -> s.getId().equals(id)).findFirst().orElseThrow();
    }
}

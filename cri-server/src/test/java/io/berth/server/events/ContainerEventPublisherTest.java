package io.berth.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.cri.v1.ContainerEventResponse;
import io.berth.cri.v1.ContainerEventType;
import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ContainerStatus;
import io.berth.cri.v1.LinuxContainerResources;
import io.berth.server.container.ContainerRunStatus;
import io.berth.server.container.ContainerStore;
import io.berth.server.container.TestRecords;
import io.berth.server.sandbox.SandboxStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Record changes of the container store become CRI events, carrying pod and container statuses, in order. */
class ContainerEventPublisherTest {
    @TempDir
    Path dir;

    final List<ContainerEventResponse> seen = new CopyOnWriteArrayList<>();
    SandboxStore sandboxes;
    ContainerStore containers;
    String pod;

    @BeforeEach
    void stores() throws Exception {
        sandboxes = new SandboxStore(dir.resolve("sandboxes"));
        ContainerEventBus bus = new ContainerEventBus();
        bus.subscribe(new EventSink() {
            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void send(ContainerEventResponse event) {
                seen.add(event);
            }

            @Override
            public void close(Exception reason) {
            }
        });
        containers = new ContainerStore(dir.resolve("containers"),
                new ContainerEventPublisher(bus, sandboxes, Clock.systemUTC()));
        pod = TestRecords.sandbox(sandboxes, TestRecords.id("a1"), "web", Map.of(), "", dir).id();
    }

    @Test
    void aLifecycleGivesCreatedStartedStoppedDeletedWithTheStatusesAfterEachStep() {
        ContainerStore.Container sidecar = TestRecords.container(containers, TestRecords.id("c0"), pod, "sidecar",
                Map.of());
        ContainerStore.Container app = TestRecords.container(containers, TestRecords.id("c1"), pod, "app", Map.of());
        containers.update(app.id(), s -> s.started(4242, 5));
        containers.update(app.id(), s -> s.withResources(LinuxContainerResources.getDefaultInstance()));
        containers.update(app.id(), s -> s.exited(3, 6, "Error", ""));
        containers.update(app.id(), s -> s.exited(4, 7, "Error", "a second exit is no new step"));
        containers.remove(containers.get(app.id()));

        List<ContainerEventResponse> ofApp = seen.stream().filter(e -> e.getContainerId().equals(app.id())).toList();
        assertThat(ofApp).extracting(ContainerEventResponse::getContainerEventType).containsExactly(
                ContainerEventType.CONTAINER_CREATED_EVENT, ContainerEventType.CONTAINER_STARTED_EVENT,
                ContainerEventType.CONTAINER_STOPPED_EVENT, ContainerEventType.CONTAINER_DELETED_EVENT);
        assertThat(seen).first().satisfies(e -> assertThat(e.getContainerId()).isEqualTo(sidecar.id()));
        assertThat(ofApp).allSatisfy(e -> {
            assertThat(e.getPodSandboxStatus().getId()).isEqualTo(pod);
            assertThat(e.getPodSandboxStatus().getMetadata().getName()).isEqualTo("web");
            assertThat(e.getCreatedAt()).isPositive();
        });
        assertThat(states(ofApp.get(0))).containsExactly(ContainerState.CONTAINER_CREATED,
                ContainerState.CONTAINER_CREATED);
        assertThat(states(ofApp.get(1))).containsExactly(ContainerState.CONTAINER_CREATED,
                ContainerState.CONTAINER_RUNNING);
        assertThat(ofApp.get(2).getContainersStatusesList()).last().satisfies(s -> {
            assertThat(s.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
            assertThat(s.getExitCode()).isEqualTo(3);
        });
        assertThat(ofApp.get(3).getContainersStatusesList()).extracting(ContainerStatus::getId)
                .as("a deleted container is no longer among its pod's containers").containsExactly(sidecar.id());
    }

    @Test
    void aContainerStoppedBeforeItStartedIsStoppedOnce() {
        ContainerStore.Container c = TestRecords.container(containers, TestRecords.id("c2"), pod, "never", Map.of());
        containers.update(c.id(), s -> s.exited(0, 9, "Completed", "stopped before it was started"));
        assertThat(seen).extracting(ContainerEventResponse::getContainerEventType).containsExactly(
                ContainerEventType.CONTAINER_CREATED_EVENT, ContainerEventType.CONTAINER_STOPPED_EVENT);
        assertThat(containers.get(c.id()).status().phase()).isEqualTo(ContainerRunStatus.Phase.EXITED);
    }

    @Test
    void aContainerWhosePodIsGoneStillHasItsEventWithoutAPodStatus() {
        ContainerStore.Container orphan = TestRecords.container(containers, TestRecords.id("c3"),
                TestRecords.id("dead"), "orphan", Map.of());
        assertThat(seen).singleElement().satisfies(e -> {
            assertThat(e.getContainerId()).isEqualTo(orphan.id());
            assertThat(e.hasPodSandboxStatus()).isFalse();
            assertThat(e.getContainersStatusesList()).extracting(ContainerStatus::getId).containsExactly(orphan.id());
        });
    }

    private static List<ContainerState> states(ContainerEventResponse e) {
        return e.getContainersStatusesList().stream().map(ContainerStatus::getState).toList();
    }
}

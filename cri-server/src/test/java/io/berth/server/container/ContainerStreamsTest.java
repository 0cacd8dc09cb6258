package io.berth.server.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.NotFoundException;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxMetadata;
import io.berth.server.sandbox.SandboxMetadata;
import io.berth.server.sandbox.SandboxStatus;
import io.berth.server.sandbox.SandboxStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the streaming server may reach: running containers only, and never the host's loopback by mistake. */
class ContainerStreamsTest {
    @TempDir
    Path dir;

    private ContainerStore containers;
    private SandboxStore sandboxes;
    private ContainerStreams streams;

    @BeforeEach
    void stores() throws Exception {
        containers = new ContainerStore(dir.resolve("containers"));
        sandboxes = new SandboxStore(dir.resolve("sandboxes"));
        streams = new ContainerStreams(containers, sandboxes, id -> Optional.empty());
    }

    @Test
    void execAndAttachNeedARunningContainerWithAShim() {
        String id = TestRecords.id("a1");
        TestRecords.container(containers, id, TestRecords.id("b1"), "app", Map.of());
        assertThatThrownBy(() -> streams.exec(id, List.of("sh"), false, false))
                .isInstanceOf(FailedPreconditionException.class).hasMessageContaining("is not running (state CREATED)");
        assertThatThrownBy(() -> streams.attach(id.substring(0, 8), true))
                .as("a prefix resolves like the full id").isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("is not running");
        containers.update(id, status -> status.started(42, 1));
        assertThatThrownBy(() -> streams.attach(id, false)).isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("has no shim");
        assertThatThrownBy(() -> streams.checkRunning(TestRecords.id("ff"))).isInstanceOf(NotFoundException.class);
    }

    @Test
    void aPodWhosePinnedNamespaceIsGoneIsRefusedNotForwardedToTheHost() throws Exception {
        Path state = Files.createDirectories(dir.resolve("state/pod"));
        SandboxStore.Sandbox pod = TestRecords.sandbox(sandboxes, TestRecords.id("c1"), "web", Map.of(), "", state);
        // The pin file exists but is no namespace (as after a failed unmount), then is gone altogether.
        Files.createDirectories(pod.metadata().paths().netns().getParent());
        Files.createFile(pod.metadata().paths().netns());
        assertThatThrownBy(() -> streams.netns(pod.id())).isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("lost its network namespace");
        Files.delete(pod.metadata().paths().netns());
        assertThatThrownBy(() -> streams.netns(pod.id())).isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("lost its network namespace");
    }

    @Test
    void aHostNetworkPodIsDialedOnTheHostAndAStoppedPodNotAtAll() {
        PodSandboxConfig config = PodSandboxConfig.newBuilder().setMetadata(PodSandboxMetadata.newBuilder()
                .setName("host").setNamespace("ns").setUid("uid-host")).build();
        String id = TestRecords.id("c2");
        sandboxes.add(new SandboxMetadata(id, SandboxMetadata.reservedName(config.getMetadata()), config,
                "runc", 1, dir.resolve("state/host").toString(), true, true, false, Map.of()),
                SandboxStatus.created());
        assertThat(streams.netns(id)).isNull();
        sandboxes.update(id, SandboxStatus::notReady);
        assertThatThrownBy(() -> streams.netns(id)).isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("is not ready");
    }
}

package io.berth.server.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.FailedPreconditionException;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxMetadata;
import io.berth.server.container.ContainerStore;
import io.berth.server.container.TestRecords;
import io.berth.server.sandbox.SandboxMetadata;
import io.berth.server.sandbox.SandboxStatus;
import io.berth.server.sandbox.SandboxStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a port-forward may dial: never the host's loopback for a pod that has a network namespace of its own. */
class StoreStreamBackendTest {
    @TempDir
    Path dir;

    @Test
    void aPodWhosePinnedNamespaceIsGoneIsRefusedNotForwardedToTheHost() throws Exception {
        SandboxStore sandboxes = new SandboxStore(dir.resolve("sandboxes"));
        StoreStreamBackend backend = new StoreStreamBackend(new ContainerStore(dir.resolve("containers")), sandboxes);
        Path state = Files.createDirectories(dir.resolve("state/pod"));
        SandboxStore.Sandbox pod = TestRecords.sandbox(sandboxes, TestRecords.id("c1"), "web", Map.of(), "", state);
        // The pin file exists but is no namespace (as after a failed unmount), then is gone altogether.
        Files.createDirectories(pod.metadata().paths().netns().getParent());
        Files.createFile(pod.metadata().paths().netns());
        assertThatThrownBy(() -> backend.netns(pod.id())).isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("lost its network namespace");
        Files.delete(pod.metadata().paths().netns());
        assertThatThrownBy(() -> backend.netns(pod.id())).isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("lost its network namespace");
    }

    @Test
    void aHostNetworkPodIsDialedOnTheHostAndAStoppedPodNotAtAll() throws Exception {
        SandboxStore sandboxes = new SandboxStore(dir.resolve("sandboxes"));
        StoreStreamBackend backend = new StoreStreamBackend(new ContainerStore(dir.resolve("containers")), sandboxes);
        PodSandboxConfig config = PodSandboxConfig.newBuilder().setMetadata(PodSandboxMetadata.newBuilder()
                .setName("host").setNamespace("ns").setUid("uid-host")).build();
        String id = TestRecords.id("c2");
        sandboxes.add(new SandboxMetadata(id, SandboxMetadata.reservedName(config.getMetadata()), config,
                "runc", 1, dir.resolve("state/host").toString(), true, true, false, Map.of()),
                SandboxStatus.created());
        assertThat(backend.netns(id)).isNull();
        sandboxes.update(id, SandboxStatus::notReady);
        assertThatThrownBy(() -> backend.netns(id)).isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("is not ready");
    }
}

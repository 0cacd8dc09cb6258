package io.berth.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.ContainerMetadata;
import io.berth.cri.v1.LinuxContainerResources;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxMetadata;
import io.berth.server.container.ContainerRunStatus;
import io.berth.server.container.StoredContainerMetadata;
import io.berth.server.image.store.ImageConfig;
import io.berth.server.image.store.ImageMetadata;
import io.berth.server.image.store.ImageRefStatus;
import io.berth.server.sandbox.SandboxMetadata;
import io.berth.server.sandbox.SandboxStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every record type berthd keeps on disk, written by Jackson's binding as RecordStore writes it and read back as
 * RecordStore reads it at start: equal, field for field.
 */
class StoredRecordTypesTest {
    private static final ObjectMapper BINDING = new ObjectMapper().registerModule(new ProtobufModule());

    @TempDir
    Path dir;

    static List<Object> records() {
        PodSandboxConfig pod = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName("web").setNamespace("ns").setUid("u1"))
                .putLabels("app", "web").setHostname("web-0").build();
        ContainerConfig container = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName("c").setAttempt(2))
                .addCommand("sleep").addArgs("60").putAnnotations("a", "b").build();
        return List.of(
                new SandboxMetadata("s1", "web_ns_u1_0", pod, "runc", 1_765_000_000_000_000_000L, "/run/berth/s1",
                        true, false, true, Map.of("net.ipv4.ip_unprivileged_port_start", "0")),
                new SandboxStatus(true, List.of("10.88.0.2", "fd00::2"), true, 4242),
                new StoredContainerMetadata("c1", "s1", "c_web_ns_u1_2", container, "sha256:abc", "r@sha256:def",
                        17L, "/var/log/pods/c.log", "/run/berth/c1", "c1-snap", "runc", "SIGTERM", 1000, 1000,
                        List.of(4L, 27L)),
                new ContainerRunStatus(ContainerRunStatus.Phase.EXITED, 0, 5L, 9L, 137, "Error", "killed",
                        LinuxContainerResources.newBuilder().setCpuShares(512).setMemoryLimitInBytes(1 << 26).build()),
                new ImageMetadata("sha256:abc", List.of("sha256:l1", "sha256:l2"), 1234L,
                        new ImageConfig("linux", "amd64", "1000:1000", List.of("PATH=/bin"), List.of("/init"),
                                List.of("run"), "/w", "SIGINT", Map.of("k", "v"), List.of("80/tcp"),
                                List.of("sha256:d1")), "2026-12-08T00:00:00Z"),
                new ImageRefStatus(List.of("r:1"), List.of("r@sha256:def"), List.of("sha256:m"), true,
                        "2026-12-08T00:00:01Z"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("records")
    void whatTheBindingWritesReadsBackEqual(Object written) throws Exception {
        Path file = dir.resolve("r.json");
        Files.write(file, BINDING.writeValueAsBytes(written));

        Object read = RecordStore.read(BINDING.readTree(Files.readAllBytes(file)), written.getClass());

        assertThat(read).isEqualTo(written);
    }
}

package io.berth.server.container;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.json.VersionedJson;
import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.ContainerStatus;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.LinuxContainerResources;
import io.berth.cri.v1.Mount;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Container records written before records were kept in VersionedJson, as today's berth reads them. */
class ContainerStoreTest {
    private static final String POD = "5a1e" + "0".repeat(59) + "3";
    private static final String EXITED = "c0" + "0".repeat(61) + "4";
    private static final String CREATED = "c1" + "0".repeat(61) + "5";
    private static final String IMAGE_ID = "sha256:" + "a".repeat(64);

    @TempDir
    Path dir;
    Path records;

    @BeforeEach
    void copyFixtures() throws Exception {
        records = Files.createDirectories(dir.resolve("containers"));
        copy("record-v1-exited.json", EXITED);
        copy("record-v1-created.json", CREATED);
    }

    @Test
    void anExitedContainerWithUpdatedResourcesReadsToTheRecordThatWasStored() throws Exception {
        ContainerStore.Container read = new ContainerStore(records).get(EXITED);

        assertThat(read.metadata()).isEqualTo(exitedMetadata());
        assertThat(read.status()).isEqualTo(new ContainerRunStatus(ContainerRunStatus.Phase.EXITED, 0,
                1_700_000_002_000_000_000L, 1_700_000_003_000_000_000L, 137, "OOMKilled", "memory limit reached",
                updatedResources()));
        ContainerStatus status = ContainerViews.status(read);
        assertThat(status.getResources().getLinux()).isEqualTo(updatedResources());
        assertThat(status.getUser().getLinux().getSupplementalGroupsList()).containsExactly(1000L, 2000L, 65534L);
    }

    @Test
    void aCreatedContainerReadsWithNoUpdatedResourcesSoItsConfigsApply() throws Exception {
        ContainerStore store = new ContainerStore(records);
        ContainerStore.Container read = store.get(CREATED);

        ContainerConfig config = ContainerConfig.newBuilder()
                .setMetadata(io.berth.cri.v1.ContainerMetadata.newBuilder().setName("side"))
                .setImage(ImageSpec.newBuilder().setImage("busybox")).build();
        assertThat(read.metadata()).isEqualTo(new StoredContainerMetadata(CREATED, POD, "side_web_default_uid-web_0",
                config, IMAGE_ID, IMAGE_ID, 1_700_000_004_000_000_000L, "", "/run/berth/containers/" + CREATED,
                "container-" + CREATED, "runc", "SIGKILL", 0, 0, List.of()));
        assertThat(read.status()).isEqualTo(ContainerRunStatus.created());
        assertThat(ContainerViews.resources(read)).isEqualTo(LinuxContainerResources.getDefaultInstance());
        assertThat(store.names().idOf("side_web_default_uid-web_0")).contains(CREATED);
    }

    @Test
    void theNextUpdateRewritesARecordInTheVersionedEnvelopeAndItReadsBackTheSame() throws Exception {
        new ContainerStore(records).update(EXITED, s -> s.withResources(updatedResources()));

        assertThat(VersionedJson.read(records.resolve(EXITED + ".json")).version()).isEqualTo(2);
        ContainerStore.Container reread = new ContainerStore(records).get(EXITED);
        assertThat(reread.metadata()).isEqualTo(exitedMetadata());
        assertThat(reread.status().resources()).isEqualTo(updatedResources());
        assertThat(reread.status().reason()).isEqualTo("OOMKilled");
    }

    private static StoredContainerMetadata exitedMetadata() {
        ContainerConfig config = ContainerConfig.newBuilder()
                .setMetadata(io.berth.cri.v1.ContainerMetadata.newBuilder().setName("app").setAttempt(2))
                .setImage(ImageSpec.newBuilder().setImage("docker.io/library/busybox:latest"))
                .addCommand("sleep").addArgs("3600")
                .addMounts(Mount.newBuilder().setContainerPath("/data").setHostPath("/srv/data"))
                .putLabels("tier", "front").putAnnotations("note", "fixture").setLogPath("app/2.log")
                .build();
        return new StoredContainerMetadata(EXITED, POD, "app_web_default_uid-web_2", config, IMAGE_ID,
                "docker.io/library/busybox@sha256:" + "b".repeat(64), 1_700_000_001_000_000_000L,
                "/var/log/pods/default_web_uid-web/app/2.log", "/run/berth/containers/" + EXITED, "container-" + EXITED,
                "runc", "SIGTERM", 1000, 1000, List.of(1000L, 2000L, 65534L));
    }

    private static LinuxContainerResources updatedResources() {
        return LinuxContainerResources.newBuilder().setCpuPeriod(100_000).setCpuQuota(50_000)
                .setMemoryLimitInBytes(256L << 20).build();
    }

    private void copy(String resource, String id) throws Exception {
        try (InputStream fixture = getClass().getResourceAsStream(resource)) {
            Files.copy(fixture, records.resolve(id + ".json"));
        }
    }
}

package io.berth.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.berth.admin.v1.ContainerDump;
import io.berth.admin.v1.DebugDumpReply;
import io.berth.admin.v1.DebugDumpRequest;
import io.berth.admin.v1.Disk;
import io.berth.admin.v1.HealthReply;
import io.berth.admin.v1.HealthRequest;
import io.berth.admin.v1.RuntimeHandlerInfo;
import io.berth.admin.v1.SandboxDump;
import io.berth.admin.v1.VersionReply;
import io.berth.admin.v1.VersionRequest;
import io.berth.cri.v1.ContainerConfig;
import io.berth.server.container.ContainerRunStatus;
import io.berth.server.container.StoredContainerMetadata;
import io.berth.server.container.TestRecords;
import io.berth.server.sandbox.SandboxStore;
import io.berth.shim.RunDir;
import io.berth.shim.api.ShimConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Version, Health and DebugDump over the admin socket. */
class AdminQueriesTest {
    @TempDir
    Path dir;

    @Test
    void versionNamesTheBuildTheCriApiAndEveryHandler() throws Exception {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            VersionReply v = admin.blocking().version(VersionRequest.getDefaultInstance());

            assertThat(v.getVersion()).isEqualTo("9.8.7");
            assertThat(v.getRuntimeName()).isEqualTo("berth");
            assertThat(v.getCriApiVersion()).isEqualTo("v1");
            assertThat(v.getBuild()).isEqualTo(AdminFixture.BUILD);
            assertThat(v.getDefaultRuntimeHandler()).isEqualTo("runc");
            assertThat(v.getRuntimeHandlersList()).containsExactly(
                    RuntimeHandlerInfo.newBuilder().setName("runc").setBinary("runc").build(),
                    RuntimeHandlerInfo.newBuilder().setName("kata").setBinary("/opt/kata").build());
        }
    }

    @Test
    void healthHasTheStatusConditionsTheShimHostsAndBothDisks() throws Exception {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            HealthReply h = admin.blocking().health(HealthRequest.getDefaultInstance());

            assertThat(h.getConditionsList()).extracting(c -> c.getType() + "=" + c.getStatus() + ":" + c.getReason())
                    .containsExactly("RuntimeReady=true:", "NetworkReady=false:NetworkPluginNotReady");
            assertThat(h.getShimHostsList()).containsExactly(AdminFixture.NODE_HOST);
            assertThat(h.getDisksList()).extracting(Disk::getRole, Disk::getPath)
                    .containsExactly(tuple("root", admin.root.toString()),
                            tuple("state", admin.state.toString()));
            Disk rootDisk = h.getDisks(0);
            assertThat(rootDisk.getError()).isEmpty();
            assertThat(rootDisk.getTotalBytes()).isPositive();
            assertThat(rootDisk.getFreeBytes()).isPositive().isLessThanOrEqualTo(rootDisk.getTotalBytes());
            assertThat(rootDisk.getTotalInodes()).isPositive();
            assertThat(rootDisk.getBerthUsage().getUsedBytes()).isEqualTo(4096);
            assertThat(rootDisk.getBerthUsage().getInodesUsed()).isEqualTo(3);
            assertThat(rootDisk.getBerthUsage().getPath()).isEqualTo(admin.root.resolve("snapshots").toString());
            assertThat(h.getDisks(1).hasBerthUsage()).isFalse();
        }
    }

    @Test
    void debugDumpListsEachSandboxAndContainerWithItsFiles() throws Exception {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            String podId = TestRecords.id("a1");
            SandboxStore.Sandbox pod = TestRecords.sandbox(admin.sandboxes, podId, "web", Map.of(), "/kubepods/pod1",
                    admin.state.resolve("sandboxes/a1"));
            Path runDir = Files.createDirectories(admin.state.resolve("containers/c1"));
            Files.write(new RunDir(runDir).config(), ShimConfig.newBuilder()
                    .setBundle(runDir.resolve("bundle").toString()).build().toByteArray());
            String containerId = TestRecords.id("c1");
            container(admin, containerId, podId, runDir);
            String orphanId = TestRecords.id("c2");
            container(admin, orphanId, TestRecords.id("dead"), admin.state.resolve("containers/c2"));

            DebugDumpReply dump = admin.blocking().debugDump(DebugDumpRequest.getDefaultInstance());

            SandboxDump s = dump.getSandboxes(0);
            assertThat(s.getId()).isEqualTo(podId);
            assertThat(s.getMetadata().getName()).isEqualTo("web");
            assertThat(s.getState()).isEqualTo("READY");
            assertThat(s.getRecordFile()).isEqualTo(admin.root.resolve("sandboxes/" + podId + ".json").toString());
            assertThat(Path.of(s.getRecordFile())).exists();
            assertThat(s.getStateDir()).isEqualTo(pod.metadata().stateDir());
            assertThat(s.getNetns()).isEqualTo(admin.state.resolve("sandboxes/a1/ns/net").toString());
            assertThat(s.getCgroup()).isEqualTo("/kubepods/pod1");
            assertThat(dump.getContainersList()).extracting(ContainerDump::getId).containsExactly(containerId, orphanId);
            ContainerDump c = dump.getContainers(0);
            assertThat(c.getMetadata().getName()).isEqualTo("app");
            assertThat(c.getState()).isEqualTo("RUNNING");
            assertThat(c.getPid()).isEqualTo(4300);
            assertThat(Path.of(c.getRecordFile())).exists();
            assertThat(c.getRunDir()).isEqualTo(runDir.toString());
            assertThat(c.getBundle()).isEqualTo(runDir.resolve("bundle").toString());
            assertThat(c.getRootfsDir()).isEqualTo(admin.root.resolve("snapshots/7/fs").toString());
            assertThat(c.getLogPath()).isEqualTo("/var/log/pods/web/app/0.log");
            assertThat(c.getCgroup()).isEqualTo("/kubepods/pod1/" + containerId);
            ContainerDump orphan = dump.getContainers(1);
            assertThat(orphan.getBundle()).as("no shim config in its run dir").isEmpty();
            assertThat(orphan.getCgroup()).as("its pod, and so its cgroup parent, is gone").isEmpty();
        }
    }

    private static void container(AdminFixture admin, String id, String podId, Path runDir) {
        ContainerConfig.Builder config = ContainerConfig.newBuilder();
        config.getMetadataBuilder().setName("app");
        admin.containers.add(new StoredContainerMetadata(id, podId, "app_web_" + id, config.build(),
                "sha256:" + "a".repeat(64), "busybox@sha256:" + "b".repeat(64), System.nanoTime(),
                "/var/log/pods/web/app/0.log", runDir.toString(), "container-" + id, "runc", "SIGTERM", 0, 0,
                List.of()), ContainerRunStatus.created().started(4300, 1));
    }
}

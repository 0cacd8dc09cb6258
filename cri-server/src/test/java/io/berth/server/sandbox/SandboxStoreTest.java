package io.berth.server.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxMetadata;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxStoreTest {
    /** The id in the fixture, a record as berth wrote it before sandboxes kept their sysctls. */
    private static final String LEGACY_ID = "5a1e" + "0".repeat(59) + "1";

    @TempDir
    Path dir;

    @Test
    void aRecordFromBeforeSysctlsWereKeptLoadsWithThemAdmittedFromItsConfig() throws Exception {
        Path records = Files.createDirectories(dir.resolve("sandboxes"));
        try (InputStream fixture = getClass().getResourceAsStream("record-before-sysctls.json")) {
            Files.copy(fixture, records.resolve(LEGACY_ID + ".json"));
        }

        SandboxStore store = new SandboxStore(records);
        SandboxStore.Sandbox legacy = store.get(LEGACY_ID);
        assertThat(legacy.metadata().sysctls()).containsExactly(entry("kernel.shm_rmid_forced", "1"),
                entry("net.ipv4.ping_group_range", "0 2147483647"));
        assertThat(legacy.metadata().name()).isEqualTo("web_default_uid-web_1");
        assertThat(legacy.metadata().podConfig().getHostname()).isEqualTo("web-0");
        assertThat(legacy.status().ips()).containsExactly("10.88.0.7");
        assertThat(store.names().idOf("web_default_uid-web_1")).contains(LEGACY_ID);

        // The next write of the record keeps the sysctls in the current format.
        store.update(LEGACY_ID, SandboxStatus::notReady);
        assertThat(Files.readString(records.resolve(LEGACY_ID + ".json"))).contains("\"sysctls\":{");
        assertThat(new SandboxStore(records).get(LEGACY_ID).metadata().sysctls())
                .isEqualTo(legacy.metadata().sysctls());
    }

    @Test
    void storedSysctlsAreReadBackAsStoredNotAdmittedAgain() throws Exception {
        Path records = dir.resolve("sandboxes");
        PodSandboxConfig pod = PodSandboxConfig.newBuilder().setMetadata(PodSandboxMetadata.newBuilder()
                .setName("web").setNamespace("ns").setUid("uid-web")).build();
        String id = "5a1e" + "0".repeat(59) + "2";
        Map<String, String> admitted = Map.of("net.ipv4.conf.eno2/100.rp_filter", "2");
        new SandboxStore(records).add(new SandboxMetadata(id, SandboxMetadata.reservedName(pod.getMetadata()),
                pod.toByteArray(), "runc", 1, dir.resolve("state").toString(), false, false, false, admitted),
                SandboxStatus.created());

        assertThat(new SandboxStore(records).get(id).metadata().sysctls()).isEqualTo(admitted);
    }
}

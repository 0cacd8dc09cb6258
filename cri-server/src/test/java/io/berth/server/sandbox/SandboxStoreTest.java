package io.berth.server.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.berth.common.json.VersionedJson;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxMetadata;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxStoreTest {
    /** The id in the fixture, a record as berth wrote it before sandboxes kept their sysctls. */
    private static final String LEGACY_ID = "5a1e" + "0".repeat(59) + "1";
    /** The id in the fixture of a record as berth wrote it before records were kept in VersionedJson. */
    private static final String VERSION_1_ID = "5a1e" + "0".repeat(59) + "3";

    @TempDir
    Path dir;

    @Test
    void aRecordWrittenBeforeTheVersionedEnvelopeReadsToTheRecordThatWasStored() throws Exception {
        Path records = fixture("record-v1.json", VERSION_1_ID);
        PodSandboxConfig.Builder pod = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName("web").setNamespace("default").setUid("uid-web")
                        .setAttempt(1))
                .setHostname("web-0").setLogDirectory("/var/log/pods/default_web_uid-web")
                .putLabels("app", "web").putAnnotations("note", "fixture");
        pod.getLinuxBuilder().setCgroupParent("/kubepods/burstable/poduid-web")
                .putSysctls("net.ipv4.ping_group_range", "0 2147483647");
        SandboxMetadata stored = new SandboxMetadata(VERSION_1_ID, "web_default_uid-web_1", pod.build(), "runc",
                1_700_000_000_000_000_000L, "/run/berth/sandboxes/" + VERSION_1_ID, false, false, false,
                Map.of("net.ipv4.ping_group_range", "0 2147483647"));

        SandboxStore.Sandbox read = new SandboxStore(records).get(VERSION_1_ID);
        assertThat(read.metadata()).isEqualTo(stored);
        assertThat(read.status()).isEqualTo(new SandboxStatus(true, List.of("10.88.0.9"), true, 4242));

        new SandboxStore(records).update(VERSION_1_ID, SandboxStatus::notReady);
        assertThat(VersionedJson.read(records.resolve(VERSION_1_ID + ".json")).version()).isEqualTo(2);
        SandboxStore.Sandbox rewritten = new SandboxStore(records).get(VERSION_1_ID);
        assertThat(rewritten.metadata()).isEqualTo(stored);
        assertThat(rewritten.status()).isEqualTo(new SandboxStatus(false, List.of("10.88.0.9"), true, 4242));
    }

    @Test
    void aRecordFromBeforeSysctlsWereKeptLoadsWithThemAdmittedFromItsConfig() throws Exception {
        Path records = fixture("record-before-sysctls.json", LEGACY_ID);

        SandboxStore store = new SandboxStore(records);
        SandboxStore.Sandbox legacy = store.get(LEGACY_ID);
        assertThat(legacy.metadata().sysctls()).containsExactly(entry("kernel.shm_rmid_forced", "1"),
                entry("net.ipv4.ping_group_range", "0 2147483647"));
        assertThat(legacy.metadata().name()).isEqualTo("web_default_uid-web_1");
        assertThat(legacy.metadata().config().getHostname()).isEqualTo("web-0");
        assertThat(legacy.status().ips()).containsExactly("10.88.0.7");
        assertThat(store.names().idOf("web_default_uid-web_1")).contains(LEGACY_ID);

        // The next write of the record keeps the sysctls in the current format.
        store.update(LEGACY_ID, SandboxStatus::notReady);
        assertThat(VersionedJson.read(records.resolve(LEGACY_ID + ".json")).data()
                .at("/metadata/sysctls/kernel.shm_rmid_forced").asText()).isEqualTo("1");
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
                pod, "runc", 1, dir.resolve("state").toString(), false, false, false, admitted),
                SandboxStatus.created());

        assertThat(new SandboxStore(records).get(id).metadata().sysctls()).isEqualTo(admitted);
    }

    /** A records directory holding the fixture {@code resource} as the record of {@code id}. */
    private Path fixture(String resource, String id) throws Exception {
        Path records = Files.createDirectories(dir.resolve("sandboxes"));
        try (InputStream fixture = getClass().getResourceAsStream(resource)) {
            Files.copy(fixture, records.resolve(id + ".json"));
        }
        return records;
    }
}

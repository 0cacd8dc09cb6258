package io.berth.e2e.contract;

import io.berth.cri.v1.FilesystemUsage;
import io.berth.cri.v1.ImageFsInfoResponse;
import io.berth.cri.v1.StatusResponse;
import io.berth.cri.v1.VersionResponse;
import io.berth.e2e.harness.BasicCriCalls;
import io.berth.e2e.harness.ContainerdProcess;
import io.berth.e2e.harness.CriClient;
import io.berth.e2e.harness.E2eDaemons;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;

import static io.berth.e2e.harness.BasicCriCalls.NETWORK_READY;
import static io.berth.e2e.harness.BasicCriCalls.RUNTIME_READY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * berth's CRI proto against the real wire format: the calls the berth suite makes, made to Debian's containerd.
 * If berth's copy of api.proto drifted (a renumbered field, a renamed service or package), these answers would
 * come back empty or as UNIMPLEMENTED.
 */
class ContainerdContractE2eTest {

    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static ContainerdProcess containerd;
    private static CriClient client;

    @BeforeAll
    static void startContainerd() {
        assumeTrue(Files.isExecutable(ContainerdProcess.BINARY),
                ContainerdProcess.BINARY + " is not installed (Debian package `containerd`)");
        containerd = daemons.startContainerd();
        client = containerd.client();
    }

    @Test
    void versionNamesContainerdAndTheV1Api() {
        VersionResponse version = BasicCriCalls.version(client);

        assertThat(version.getRuntimeName()).isEqualTo("containerd");
        assertThat(version.getRuntimeApiVersion()).isEqualTo("v1");
        assertThat(version.getRuntimeVersion()).isNotBlank();
        assertThat(version.getVersion()).isNotBlank();
    }

    @Test
    void statusReportsRuntimeAndNetworkConditions() {
        StatusResponse status = BasicCriCalls.status(client, false);

        assertThat(BasicCriCalls.condition(status, RUNTIME_READY)).isPresent();
        // No CNI config in the temp conf dir: the network cannot be ready, and containerd says why.
        assertThat(BasicCriCalls.condition(status, NETWORK_READY)).hasValueSatisfying(network -> {
            assertThat(network.getStatus()).isFalse();
            assertThat(network.getReason()).isNotBlank();
            assertThat(network.getMessage()).isNotBlank();
        });
    }

    @Test
    void verboseStatusCarriesInfoThatTheMapFieldDecodes() {
        StatusResponse status = BasicCriCalls.status(client, true);

        // containerd puts its effective config under "config", the key berth uses too.
        assertThat(status.getInfoMap()).containsKey("config");
        assertThat(status.getInfoMap().get("config")).contains(containerd.root().toString());
    }

    @Test
    void listImagesOnAFreshRootIsEmpty() {
        assertThat(BasicCriCalls.listImages(client).getImagesList()).isEmpty();
    }

    @Test
    void imageFsInfoNamesTheImageFilesystemUnderItsRoot() {
        ImageFsInfoResponse info = BasicCriCalls.imageFsInfo(client);

        assertThat(info.getImageFilesystemsList()).isNotEmpty();
        FilesystemUsage usage = info.getImageFilesystems(0);
        assertThat(usage.getFsId().getMountpoint()).startsWith(containerd.root().toString());
        assertThat(usage.getTimestamp()).isPositive();
    }
}

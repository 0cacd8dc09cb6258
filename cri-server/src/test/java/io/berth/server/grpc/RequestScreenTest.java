package io.berth.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.InvalidArgumentException;
import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.CreateContainerRequest;
import io.berth.cri.v1.LinuxContainerConfig;
import io.berth.cri.v1.LinuxContainerSecurityContext;
import io.berth.cri.v1.Mount;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.NamespaceOption;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.RunPodSandboxRequest;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

class RequestScreenTest {

    @Test
    void anEnumNumberTheApiDoesNotDefineIsRefusedNamingTheFieldAndTheKnownValues() {
        CreateContainerRequest request = CreateContainerRequest.newBuilder().setConfig(ContainerConfig.newBuilder()
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(LinuxContainerSecurityContext
                        .newBuilder().setNamespaceOptions(NamespaceOption.newBuilder().setPidValue(9999))))).build();

        assertThatThrownBy(() -> RequestScreen.check(request)).isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("config.linux.security_context.namespace_options.pid: 9999")
                .hasMessageContaining("NODE=2");
    }

    @Test
    void aNulByteAnywhereIsRefusedWithItsPath() {
        CreateContainerRequest request = CreateContainerRequest.newBuilder().setConfig(ContainerConfig.newBuilder()
                .addMounts(Mount.newBuilder().setHostPath("/a"))
                .addMounts(Mount.newBuilder().setHostPath("/b\0c"))).build();

        assertThatThrownBy(() -> RequestScreen.check(request)).hasMessageContaining("config.mounts[1].host_path")
                .hasMessageContaining("NUL");
        assertThatThrownBy(() -> RequestScreen.check(RunPodSandboxRequest.newBuilder().setConfig(
                PodSandboxConfig.newBuilder().putAnnotations("k", "v\0")).build()))
                .hasMessageContaining("config.annotations.value");
    }

    @Test
    void labelsAndAnnotationsUpToKubernetesOwnBoundPassAndBeyondItAreRefused() {
        String half = "v".repeat(RequestScreen.MAX_MAP_BYTES / 2 - 1);
        PodSandboxConfig.Builder fits = PodSandboxConfig.newBuilder().putLabels("a", half).putLabels("b", half)
                .putAnnotations("a", half).putAnnotations("b", half);
        assertThatCode(() -> RequestScreen.check(RunPodSandboxRequest.newBuilder().setConfig(fits).build()))
                .doesNotThrowAnyException();

        assertThatThrownBy(() -> RequestScreen.check(RunPodSandboxRequest.newBuilder()
                .setConfig(fits.putAnnotations("c", "vv")).build()))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("config.annotations: 3 entries");
    }

    @Test
    void anOrdinaryRequestPasses() {
        assertThatCode(() -> RequestScreen.check(CreateContainerRequest.newBuilder().setConfig(ContainerConfig
                .newBuilder().addCommand("/bin/sh").setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
                        LinuxContainerSecurityContext.newBuilder().setNamespaceOptions(NamespaceOption.newBuilder()
                                .setPid(NamespaceMode.CONTAINER))))).build())).doesNotThrowAnyException();
    }

    @Test
    void aRefusalThatWouldNotFitInATrailerIsCutToABoundedMessage() {
        Status status = ErrorTranslator.toStatus("CreateContainer", new InvalidArgumentException("x".repeat(1 << 20)));

        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).hasSizeLessThan(ErrorTranslator.MAX_DESCRIPTION_CHARS + 100)
                .endsWith("(1048576 characters; the rest is cut off)");
    }
}

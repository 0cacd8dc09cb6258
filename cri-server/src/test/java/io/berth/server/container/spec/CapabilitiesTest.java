package io.berth.server.container.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.InvalidArgumentException;
import io.berth.cri.v1.Capability;
import io.berth.cri.v1.LinuxContainerSecurityContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CapabilitiesTest {
    private static List<String> l(String s) {
        return s.isEmpty() ? List.of() : Arrays.asList(s.split(" "));
    }

    private static OciSpec.Capabilities caps(String add, String drop) {
        return Capabilities.of(LinuxContainerSecurityContext.newBuilder()
                .setCapabilities(Capability.newBuilder().addAllAddCapabilities(l(add)).addAllDropCapabilities(l(drop)))
                .build());
    }

    private static List<String> defaultsPlus(String add, String minus) {
        List<String> out = new ArrayList<>(Capabilities.DEFAULT);
        out.addAll(l(add));
        out.removeAll(l(minus));
        return out;
    }

    static Stream<Arguments> table() {
        List<String> allButChown = new ArrayList<>(Capabilities.ALL);
        allButChown.remove("CAP_CHOWN");
        return Stream.of(
                Arguments.of("", "", Capabilities.DEFAULT),
                Arguments.of("NET_ADMIN", "", defaultsPlus("CAP_NET_ADMIN", "")),
                Arguments.of("cap_sys_time", "MKNOD CAP_NET_RAW", defaultsPlus("CAP_SYS_TIME", "CAP_MKNOD CAP_NET_RAW")),
                Arguments.of("ALL", "", Capabilities.ALL),
                Arguments.of("ALL", "CHOWN", allButChown),
                Arguments.of("NET_BIND_SERVICE", "ALL", List.of("CAP_NET_BIND_SERVICE")),
                Arguments.of("", "all", List.of()));
    }

    @ParameterizedTest(name = "add=[{0}] drop=[{1}]")
    @MethodSource("table")
    void addAndDrop(String add, String drop, List<String> expected) {
        OciSpec.Capabilities c = caps(add, drop);
        assertThat(c.bounding()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(c.effective()).isEqualTo(c.bounding());
        assertThat(c.permitted()).isEqualTo(c.bounding());
        assertThat(c.inheritable()).isEmpty();
        assertThat(c.ambient()).isEmpty();
    }

    @Test
    void privilegedHasEverything() {
        OciSpec.Capabilities c = Capabilities.of(LinuxContainerSecurityContext.newBuilder().setPrivileged(true)
                .setCapabilities(Capability.newBuilder().addDropCapabilities("ALL")).build());
        assertThat(c.bounding()).isEqualTo(Capabilities.ALL).hasSize(41);
    }

    @Test
    void allAndPrivilegedGrantOnlyWhatBerthdHoldsWhileSingleNamesPassAsAsked() {
        // A host whose bounding set lacks SYS_RESOURCE (a nested or locked-down node): runc could not grant it.
        List<String> held = new ArrayList<>(Capabilities.ALL);
        held.remove("CAP_SYS_RESOURCE");
        OciSpec.Capabilities all = Capabilities.of(LinuxContainerSecurityContext.newBuilder()
                .setCapabilities(Capability.newBuilder().addAddCapabilities("ALL").addDropCapabilities("CHOWN"))
                .build(), held);
        assertThat(all.bounding()).doesNotContain("CAP_SYS_RESOURCE", "CAP_CHOWN").hasSize(39);
        OciSpec.Capabilities privileged = Capabilities.of(LinuxContainerSecurityContext.newBuilder()
                .setPrivileged(true).build(), held);
        assertThat(privileged.bounding()).isEqualTo(held);
        OciSpec.Capabilities named = Capabilities.of(LinuxContainerSecurityContext.newBuilder()
                .setCapabilities(Capability.newBuilder().addAddCapabilities("SYS_RESOURCE")).build(), held);
        assertThat(named.bounding()).contains("CAP_SYS_RESOURCE");
    }

    @Test
    void aProcStatusMaskNamesTheCapabilitiesInKernelOrder() {
        assertThat(Capabilities.fromMask(0xa80425fbL)).containsExactlyElementsOf(Capabilities.ALL.stream()
                .filter(Capabilities.DEFAULT::contains).toList());
        assertThat(Capabilities.fromMask(0x000001fffeffffffL)).hasSize(40).doesNotContain("CAP_SYS_RESOURCE");
        assertThat(Capabilities.fromMask(-1L)).isEqualTo(Capabilities.ALL);
        assertThat(Capabilities.fromMask(0)).isEmpty();
    }

    @Test
    void ambientCapabilitiesAreAlsoInheritableAndPermitted() {
        OciSpec.Capabilities c = Capabilities.of(LinuxContainerSecurityContext.newBuilder()
                .setCapabilities(Capability.newBuilder().addDropCapabilities("ALL")
                        .addAddAmbientCapabilities("NET_BIND_SERVICE")).build());
        assertThat(c.ambient()).containsExactly("CAP_NET_BIND_SERVICE");
        assertThat(c.inheritable()).containsExactly("CAP_NET_BIND_SERVICE");
        assertThat(c.permitted()).containsExactly("CAP_NET_BIND_SERVICE");
        assertThat(c.bounding()).containsExactly("CAP_NET_BIND_SERVICE");
    }

    @Test
    void unknownNamesAreErrorsNamingTheField() {
        assertThatThrownBy(() -> caps("CAP_FLY", "")).isInstanceOf(InvalidArgumentException.class)
                .hasMessage("config.linux.security_context.capabilities.add_capabilities: unknown capability 'CAP_FLY'");
        assertThatThrownBy(() -> caps("", "SWIM")).isInstanceOf(InvalidArgumentException.class)
                .hasMessage("config.linux.security_context.capabilities.drop_capabilities: unknown capability 'SWIM'");
        assertThatThrownBy(() -> Capabilities.of(LinuxContainerSecurityContext.newBuilder().setCapabilities(
                Capability.newBuilder().addAddAmbientCapabilities("ALL")).build()))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("add_ambient_capabilities");
    }
}

package io.berth.netplugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.InvalidArgumentException;
import org.junit.jupiter.api.Test;

class PortMappingTest {
    @Test
    void normalisesHostIpAndProtocol() {
        assertThat(PortMapping.of("tcp", 80, 8080, "0.0.0.0", "m").anyHostIp()).isTrue();
        assertThat(PortMapping.of("TCP", 80, 8080, "::", "m").anyHostIp()).isTrue();
        assertThat(PortMapping.of("Sctp", 80, 8080, "127.0.0.1", "m").protocol()).isEqualTo(PortMapping.Protocol.SCTP);
        assertThat(PortMapping.of("udp", 53, 5353, "fd00::1", "m").hostIpIsV6()).isTrue();
    }

    @Test
    void hostileFieldsAreRefusedNamingTheField() {
        assertThatThrownBy(() -> PortMapping.of("icmp", 80, 80, "", "port_mappings[0]"))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("port_mappings[0].protocol");
        assertThatThrownBy(() -> PortMapping.of("tcp", 0, 80, "", "pm")).hasMessageContaining("pm.container_port");
        assertThatThrownBy(() -> PortMapping.of("tcp", 80, 70000, "", "pm")).hasMessageContaining("pm.host_port");
        assertThatThrownBy(() -> PortMapping.of("tcp", 80, -1, "", "pm")).hasMessageContaining("pm.host_port");
        assertThatThrownBy(() -> PortMapping.of("tcp", 80, 81, "localhost", "pm")).hasMessageContaining("pm.host_ip");
        assertThatThrownBy(() -> PortMapping.of("tcp", 80, 81, "1.2.3.4; drop", "pm")).hasMessageContaining("pm.host_ip");
    }

    @Test
    void clashesNeedSameProtocolAndPortAndOverlappingHostIp() {
        PortMapping any = PortMapping.of("tcp", 80, 8080, "", "m");
        assertThat(any.clashesWith(PortMapping.of("tcp", 81, 8080, "127.0.0.1", "m"))).isTrue();
        assertThat(any.clashesWith(PortMapping.of("udp", 80, 8080, "", "m"))).isFalse();
        assertThat(PortMapping.of("tcp", 80, 8080, "127.0.0.1", "m")
                .clashesWith(PortMapping.of("tcp", 80, 8080, "127.0.0.2", "m"))).isFalse();
    }
}

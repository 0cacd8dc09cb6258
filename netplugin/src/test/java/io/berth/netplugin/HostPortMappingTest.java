package io.berth.netplugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.InvalidArgumentException;
import org.junit.jupiter.api.Test;

class HostPortMappingTest {
    @Test
    void normalisesHostIpAndProtocol() {
        assertThat(HostPortMapping.of("tcp", 80, 8080, "0.0.0.0", "m").anyHostIp()).isTrue();
        assertThat(HostPortMapping.of("TCP", 80, 8080, "::", "m").anyHostIp()).isTrue();
        assertThat(HostPortMapping.of("Sctp", 80, 8080, "127.0.0.1", "m").protocol())
                .isEqualTo(HostPortMapping.Protocol.SCTP);
        assertThat(HostPortMapping.of("udp", 53, 5353, "fd00::1", "m").hostIpIsV6()).isTrue();
    }

    @Test
    void hostileFieldsAreRefusedNamingTheField() {
        assertThatThrownBy(() -> HostPortMapping.of("icmp", 80, 80, "", "port_mappings[0]"))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("port_mappings[0].protocol");
        assertThatThrownBy(() -> HostPortMapping.of("tcp", 0, 80, "", "pm")).hasMessageContaining("pm.container_port");
        assertThatThrownBy(() -> HostPortMapping.of("tcp", 80, 70000, "", "pm")).hasMessageContaining("pm.host_port");
        assertThatThrownBy(() -> HostPortMapping.of("tcp", 80, -1, "", "pm")).hasMessageContaining("pm.host_port");
        assertThatThrownBy(() -> HostPortMapping.of("tcp", 80, 81, "localhost", "pm"))
                .hasMessageContaining("pm.host_ip");
        assertThatThrownBy(() -> HostPortMapping.of("tcp", 80, 81, "1.2.3.4; drop", "pm"))
                .hasMessageContaining("pm.host_ip");
    }

    @Test
    void clashesNeedSameProtocolAndPortAndOverlappingHostIp() {
        HostPortMapping any = HostPortMapping.of("tcp", 80, 8080, "", "m");
        assertThat(any.clashesWith(HostPortMapping.of("tcp", 81, 8080, "127.0.0.1", "m"))).isTrue();
        assertThat(any.clashesWith(HostPortMapping.of("udp", 80, 8080, "", "m"))).isFalse();
        assertThat(HostPortMapping.of("tcp", 80, 8080, "127.0.0.1", "m")
                .clashesWith(HostPortMapping.of("tcp", 80, 8080, "127.0.0.2", "m"))).isFalse();
    }
}

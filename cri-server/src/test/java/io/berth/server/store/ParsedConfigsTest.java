package io.berth.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.ContainerMetadata;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

class ParsedConfigsTest {
    private final ParsedConfigs<ContainerConfig> configs = new ParsedConfigs<>(ContainerConfig.parser(), "container");

    @Test
    void theSameRecordBytesAreParsedOnceAndEqualBytesOfAnotherRecordAgain() {
        byte[] bytes = ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("web"))
                .build().toByteArray();
        ContainerConfig first = configs.of("c1", bytes);
        assertThat(first.getMetadata().getName()).isEqualTo("web");
        assertThat(configs.of("c1", bytes)).isSameAs(first);
        assertThat(configs.of("c2", bytes.clone())).isEqualTo(first).isNotSameAs(first);
    }

    @Test
    void unreadableBytesNameTheObject() {
        assertThatThrownBy(() -> configs.of("c9", new byte[] {(byte) 0xff, (byte) 0xff}))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("container c9 has an unreadable config record");
    }
}

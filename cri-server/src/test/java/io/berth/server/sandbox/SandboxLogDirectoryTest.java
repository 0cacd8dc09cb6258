package io.berth.server.sandbox;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.InvalidArgumentException;
import org.junit.jupiter.api.Test;

class SandboxLogDirectoryTest {

    @Test
    void anAbsoluteLogDirectoryOrNoneIsTaken() {
        assertThatCode(() -> SandboxCreator.logDirectory("/var/log/pods/ns_name_uid")).doesNotThrowAnyException();
        assertThatCode(() -> SandboxCreator.logDirectory("")).doesNotThrowAnyException();
    }

    @Test
    void aRelativeOrUnopenableLogDirectoryIsRefused() {
        for (String bad : new String[] {"../../tmp/x", "logs", "/" + "x".repeat(256), "/a".repeat(2049)}) {
            assertThatThrownBy(() -> SandboxCreator.logDirectory(bad)).as(bad.substring(0, Math.min(20, bad.length())))
                    .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("config.log_directory");
        }
    }
}

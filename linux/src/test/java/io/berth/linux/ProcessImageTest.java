package io.berth.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessImageTest {
    @Test
    void aMissingProgramIsEnoentAndThisProcessCarriesOnWithItsSignalMask() throws Exception {
        String maskBefore = blockedSignals();
        int pid = Posix.pid();

        assertThatThrownBy(() -> ProcessImage.replace("/nonexistent/prog", List.of("prog", "x"), Map.of("A", "b")))
                .isInstanceOf(ErrnoException.class)
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(ErrnoException.ENOENT));

        assertThat(Posix.pid()).isEqualTo(pid);
        assertThat(blockedSignals()).isEqualTo(maskBefore);
    }

    @Test
    void anEmptyArgvIsRefusedBeforeTheKernelSeesIt() {
        assertThatThrownBy(() -> ProcessImage.replace("/bin/true", List.of(), Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static String blockedSignals() throws Exception {
        return Files.readAllLines(Path.of("/proc/thread-self/status")).stream()
                .filter(l -> l.startsWith("SigBlk:")).findFirst().orElseThrow();
    }
}

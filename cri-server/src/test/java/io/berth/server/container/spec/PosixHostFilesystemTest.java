package io.berth.server.container.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PosixHostFilesystemTest {
    private final PosixHostFilesystem fs = new PosixHostFilesystem();

    @Test
    void readsDeviceNumbersOfTheHostsPseudoDevices() {
        assertThat(fs.device("/dev/null")).hasValueSatisfying(d -> {
            assertThat(d.type()).isEqualTo("c");
            assertThat(d.major()).isEqualTo(1);
            assertThat(d.minor()).isEqualTo(3);
            assertThat(d.fileMode()).isEqualTo(0666);
        });
        assertThat(fs.device("/dev/urandom")).hasValueSatisfying(d -> assertThat(d.minor()).isEqualTo(9));
        assertThat(fs.device("/etc/hostname")).isEmpty();
        assertThat(fs.device("/nonexistent")).isEmpty();
        assertThat(fs.hostDevices()).extracting(DeviceNode::path).contains("/dev/null")
                .noneMatch(p -> p.startsWith("/dev/pts/") || p.equals("/dev/console"));
    }

    @Test
    void readsBoundedRegularFilesOnly(@TempDir Path dir) throws IOException {
        Path small = Files.writeString(dir.resolve("p.json"), "{}");
        assertThat(fs.readFile(small.toString(), 10)).hasValueSatisfying(b -> assertThat(b).hasSize(2));
        assertThat(fs.readFile(dir.resolve("missing").toString(), 10)).isEmpty();
        assertThatThrownBy(() -> fs.readFile(small.toString(), 1)).isInstanceOf(IOException.class)
                .hasMessageContaining("larger than 1 bytes");
        assertThatThrownBy(() -> fs.readFile(dir.toString(), 10)).isInstanceOf(IOException.class)
                .hasMessageContaining("not a regular file");
        assertThatThrownBy(() -> fs.readFile("/dev/zero", 10)).isInstanceOf(IOException.class);
    }
}

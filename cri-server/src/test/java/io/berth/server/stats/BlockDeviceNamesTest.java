package io.berth.server.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockDeviceNamesTest {
    @TempDir
    Path sys;

    @Test
    void namesComeFromUeventAndUnknownDevicesAreEmpty() throws Exception {
        Path dev = Files.createDirectories(sys.resolve("dev/block/253:0"));
        Files.writeString(dev.resolve("uevent"), "MAJOR=253\nMINOR=0\nDEVNAME=vda\nDEVTYPE=disk\n");
        BlockDeviceNames names = new BlockDeviceNames(sys);
        assertThat(names.name(253, 0)).isEqualTo("/dev/vda");
        assertThat(names.name(8, 0)).isEmpty();
        Files.delete(dev.resolve("uevent"));
        assertThat(names.name(253, 0)).as("cached").isEqualTo("/dev/vda");
    }
}

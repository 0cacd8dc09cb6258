package io.berth.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Needs root (CAP_SYS_ADMIN), as the whole suite does. */
class ShimMountsTest {
    @TempDir
    Path dir;

    @Test
    void aReadOnlyBindMountShowsTheSourceAndRefusesWritesUntilDetached() throws Exception {
        Path source = Files.createDirectory(dir.resolve("source"));
        Files.writeString(source.resolve("marker"), "here");
        Path target = Files.createDirectory(dir.resolve("target"));

        ShimMounts.mount("bind", source.toString(), List.of("rbind", "ro"), target.toString());
        try {
            assertThat(target.resolve("marker")).hasContent("here");
            assertThatThrownBy(() -> Files.writeString(target.resolve("new"), "x"))
                    .hasMessageContaining("Read-only file system");
        } finally {
            ShimMounts.detach(target.toString());
        }
        assertThat(target.resolve("marker")).doesNotExist();
    }

    @Test
    void detachingSomethingNotMountedIsEinval() throws Exception {
        Path target = Files.createDirectory(dir.resolve("plain"));
        assertThatThrownBy(() -> ShimMounts.detach(target.toString())).isInstanceOf(ErrnoException.class)
                .hasMessageContaining("EINVAL");
    }
}

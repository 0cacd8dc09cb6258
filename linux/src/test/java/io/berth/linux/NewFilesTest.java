package io.berth.linux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NewFilesTest {
    private static final Instant MTIME = Instant.parse("2021-03-04T05:06:07.123456789Z");

    @TempDir
    Path dir;

    private static InputStream bytes(byte[] b) {
        return new ByteArrayInputStream(b);
    }

    @Test
    void writesContentLargerThanItsBufferWithOwnerModeAndTimes() throws IOException {
        byte[] content = new byte[10_000];
        Arrays.fill(content, (byte) 'x');
        Path file = dir.resolve("su");

        try (NewFiles files = new NewFiles(4096)) {
            assertThat(files.create(file, bytes(content), 1000, 1001, 04755, MTIME)).isTrue();
        }

        assertThat(Files.readAllBytes(file)).isEqualTo(content);
        assertThat((int) Files.getAttribute(file, "unix:mode") & 07777).isEqualTo(04755);
        assertThat(Files.getAttribute(file, "unix:uid")).isEqualTo(1000);
        assertThat(Files.getAttribute(file, "unix:gid")).isEqualTo(1001);
        assertThat(Files.getLastModifiedTime(file).toInstant()).isEqualTo(MTIME);
    }

    @Test
    void refusesAnythingAlreadyThereAndNeverWritesThroughALink() throws IOException {
        Path victim = Files.writeString(dir.resolve("victim"), "untouched");
        Path link = Files.createSymbolicLink(dir.resolve("link"), victim);
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("would-be-created"));

        try (NewFiles files = new NewFiles(4096)) {
            assertThat(files.create(link, bytes("evil".getBytes(UTF_8)), 0, 0, 0644, MTIME)).isFalse();
            assertThat(files.create(dangling, bytes("evil".getBytes(UTF_8)), 0, 0, 0644, MTIME)).isFalse();
            assertThat(files.create(victim, bytes("evil".getBytes(UTF_8)), 0, 0, 0644, MTIME)).isFalse();
        }

        assertThat(Files.readString(victim)).isEqualTo("untouched");
        assertThat(Files.exists(dir.resolve("would-be-created"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(Files.isSymbolicLink(link)).isTrue();
    }

    @Test
    void aMissingParentIsAnErrorNamingThePath() {
        Path file = dir.resolve("no-such-dir/f");
        try (NewFiles files = new NewFiles(4096)) {
            assertThatThrownBy(() -> files.create(file, bytes(new byte[1]), 0, 0, 0644, MTIME))
                    .isInstanceOf(ErrnoException.class).hasMessageContaining(file.toString())
                    .hasMessageContaining("ENOENT");
        }
    }
}

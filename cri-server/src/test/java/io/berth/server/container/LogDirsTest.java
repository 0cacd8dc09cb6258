package io.berth.server.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.InvalidArgumentException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogDirsTest {
    @TempDir
    Path dir;

    @Test
    void missingDirectoriesBelowTheLogDirectoryAreCreated() throws Exception {
        Path pods = Files.createDirectories(dir.resolve("var/log/pods/ns_web_uid"));
        LogDirs.createParents(pods, pods.resolve("app/0.log"));
        assertThat(pods.resolve("app")).isDirectory();
        LogDirs.createParents(pods, pods.resolve("app/1.log"));
        LogDirs.createParents(pods, pods.resolve("2.log"));
    }

    @Test
    void aSymlinkOnTheWayIsRefusedAndNothingIsMadeWhereItPoints() throws Exception {
        Path pods = Files.createDirectories(dir.resolve("pods"));
        Path elsewhere = Files.createDirectories(dir.resolve("etc"));
        Files.createSymbolicLink(pods.resolve("app"), elsewhere);
        assertThatThrownBy(() -> LogDirs.createParents(pods, pods.resolve("app/deeper/0.log")))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("is a symbolic link");
        assertThat(elsewhere).isEmptyDirectory();
    }

    @Test
    void aFileWhereADirectoryShouldBeIsRefused() throws Exception {
        Path pods = Files.createDirectories(dir.resolve("pods"));
        Files.writeString(pods.resolve("app"), "not a dir");
        assertThatThrownBy(() -> LogDirs.createParents(pods, pods.resolve("app/0.log")))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("exists and is not a directory");
    }
}

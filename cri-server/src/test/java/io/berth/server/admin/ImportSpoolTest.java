package io.berth.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImportSpoolTest {
    @TempDir
    Path dir;

    @Test
    void openingRemovesWhatAnInterruptedImportLeft() throws Exception {
        Path spool = Files.createDirectories(dir.resolve("import-spool"));
        Files.write(spool.resolve("import-123.tar"), new byte[100]);

        ImportSpool.open(spool, ImportSpool.Limits.DEFAULT);

        assertThat(spool).isEmptyDirectory();
    }

    @Test
    void theSpoolDirIsRootsAlone() throws Exception {
        Path spool = dir.resolve("import-spool");

        ImportSpool.open(spool, ImportSpool.Limits.DEFAULT);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(spool))).isEqualTo("rwx------");
    }
}

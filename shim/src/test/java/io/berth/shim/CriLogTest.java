package io.berth.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.shim.api.ExitStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log and exit-file formats without a container. */
class CriLogTest {
    @TempDir
    Path dir;

    @Test
    void timestampsAreGoRfc3339NanoInUtc() {
        assertThat(CriLog.timestamp(Instant.parse("2024-03-05T07:08:09.123456789Z")))
                .isEqualTo("2024-03-05T07:08:09.123456789Z");
        assertThat(CriLog.timestamp(Instant.parse("2024-03-05T07:08:09.120Z"))).isEqualTo("2024-03-05T07:08:09.12Z");
        assertThat(CriLog.timestamp(Instant.parse("2024-03-05T07:08:09Z"))).isEqualTo("2024-03-05T07:08:09Z");
        assertThat(CriLog.timestamp(Instant.parse("2024-03-05T07:08:09.000000001Z")))
                .isEqualTo("2024-03-05T07:08:09.000000001Z");
    }

    @Test
    void entriesCarryArbitraryBytesVerbatimAndTheFileIsOwnerAndGroupReadable() throws Exception {
        Path file = dir.resolve("c.log");
        byte[] hostile = {'a', 0, (byte) 0xff, '\r', 'z'};
        try (CriLog log = CriLog.open(file)) {
            log.write(CriLog.Stream.STDERR, true, hostile, hostile.length);
        }
        byte[] written = Files.readAllBytes(file);
        String text = new String(written, StandardCharsets.ISO_8859_1);
        assertThat(text).matches("\\S+Z stderr P a\\x00\\xff\\rz\\n");
        assertThat(Files.getPosixFilePermissions(file)).extracting(Object::toString)
                .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE", "GROUP_READ");
    }

    @Test
    void aReopenRefusesASymlinkPlantedAtTheLogAndKeepsWritingTheOldFile() throws Exception {
        Path logs = Files.createDirectories(dir.resolve("pod/c"));
        Path file = logs.resolve("0.log");
        Path precious = Files.writeString(dir.resolve("precious"), "untouched\n");
        try (CriLog log = CriLog.open(file)) {
            Files.move(file, logs.resolve("0.log.rotated"));
            Files.createSymbolicLink(file, precious);

            assertThatThrownBy(log::reopen).hasMessageContaining("symbolic link");
            log.write(CriLog.Stream.STDOUT, false, "after".getBytes(StandardCharsets.UTF_8), 5);
        }
        assertThat(Files.readString(precious)).isEqualTo("untouched\n");
        assertThat(Files.readString(logs.resolve("0.log.rotated"))).endsWith(" stdout F after\n");
    }

    @Test
    void aReopenAfterTheDirectoryWasSwappedForASymlinkStaysInTheOriginalDirectory() throws Exception {
        Path logs = Files.createDirectories(dir.resolve("pod/c"));
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Path file = logs.resolve("0.log");
        try (CriLog log = CriLog.open(file)) {
            Path moved = Files.move(logs, dir.resolve("pod/c.moved"));
            Files.createSymbolicLink(logs, elsewhere);
            Files.delete(moved.resolve("0.log"));

            log.reopen();
            log.write(CriLog.Stream.STDOUT, false, "after".getBytes(StandardCharsets.UTF_8), 5);

            assertThat(Files.readString(moved.resolve("0.log"))).endsWith(" stdout F after\n");
        }
        try (var entries = Files.list(elsewhere)) {
            assertThat(entries.toList()).isEmpty();
        }
    }

    @Test
    void theExitFileReadsBackWhatWasWritten() throws Exception {
        ExitStatus exit = ExitStatus.newBuilder().setExitCode(137).setSignal(9).setExitedAtUnixNanos(1_700_000_000_123L)
                .setReason("OOMKilled").build();
        Path file = dir.resolve("exit");
        ExitFile.write(file, exit);
        assertThat(ExitFile.read(file)).contains(exit);
        assertThat(ExitFile.read(dir.resolve("none"))).isEmpty();
    }

    @Test
    void theExitFileKeepsWhyAnExitIsNotFullyKnown() throws Exception {
        ExitStatus exit = ExitStatus.newBuilder().setExitCode(255).setExitedAtUnixNanos(1_700_000_000_123L)
                .setReason("Unknown").setMessage("the container exited after its shim host died;\nline two").build();
        Path file = dir.resolve("exit");
        ExitFile.write(file, exit);
        assertThat(ExitFile.read(file)).contains(exit);
    }
}

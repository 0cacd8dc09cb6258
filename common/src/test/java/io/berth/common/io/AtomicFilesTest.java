package io.berth.common.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void replacesContentAndLeavesNoTempFile() throws Exception {
        Path target = dir.resolve("sub/record.json");
        AtomicFiles.write(target, "one".getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(target, "two".getBytes(StandardCharsets.UTF_8));
        assertThat(target).hasContent("two");
        try (var files = Files.list(target.getParent())) {
            assertThat(files).containsExactly(target);
        }
    }

    @Test
    void leftoversOfAKilledWriterAreRemovedAndNothingElse() throws Exception {
        Path record = Files.writeString(dir.resolve("pod.json"), "{}");
        Path hidden = Files.writeString(dir.resolve(".keep"), "not ours");
        Files.writeString(dir.resolve(".pod.json.tmp-4242-17"), "{\"torn");
        Files.writeString(dir.resolve(".last_reserved_ip.tmp-4242-18"), "7");
        assertThat(AtomicFiles.removeLeftovers(dir)).isEqualTo(2);
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactlyInAnyOrder(record, hidden);
        }
        assertThat(AtomicFiles.removeLeftovers(dir.resolve("absent"))).isZero();
    }

    @Test
    void aWriteOnAnInterruptedThreadIsDoneWholeAndTheInterruptIsKept() throws Exception {
        Path target = dir.resolve("record.json");
        Thread.currentThread().interrupt();
        try {
            AtomicFiles.write(target, "whole".getBytes(StandardCharsets.UTF_8));
            AtomicFiles.fsyncDir(dir);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
            assertThat(target).hasContent("whole");
            try (var files = Files.list(dir)) {
                assertThat(files).containsExactly(target);
            }
        } finally {
            Thread.interrupted();
        }
    }
}

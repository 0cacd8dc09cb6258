package io.berth.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InternalException;
import io.berth.shim.TestContainer.LogEntry;
import io.berth.shim.client.ShimClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The CRI log the shim writes for a real runc container. Needs root and runc. */
// SEPARATE_THREAD: a host that stops answering fails its test (the fixture then kills it), not the build
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ShimLogTest {
    @TempDir
    Path dir;

    private ShimFixture fixture;

    @AfterEach
    void cleanUp() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    private ShimClient run(String script) throws Exception {
        fixture = new ShimFixture(dir, "sh", "-c", script);
        ShimClient shim = fixture.launch(false);
        shim.start();
        return shim;
    }

    @Test
    void bothStreamsAreLoggedAsFullLinesWithKubeletTimestamps() throws Exception {
        Instant before = Instant.now();
        ShimClient shim = run("echo to-out; echo to-err >&2; echo 'second out'");
        assertThat(shim.awaitExit().getExitCode()).isZero();

        List<LogEntry> entries = fixture.logEntries();
        assertThat(entries).extracting(LogEntry::stream, LogEntry::tag, LogEntry::content)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("stdout", "F", "to-out"),
                        org.assertj.core.groups.Tuple.tuple("stderr", "F", "to-err"),
                        org.assertj.core.groups.Tuple.tuple("stdout", "F", "second out"));
        assertThat(entries.stream().filter(e -> e.stream().equals("stdout")).map(LogEntry::content))
                .containsExactly("to-out", "second out");
        for (LogEntry entry : entries) {
            Instant t = Instant.parse(entry.time());
            assertThat(t).isBetween(before, Instant.now());
            assertThat(entry.time()).doesNotEndWith("0Z"); // Go's RFC3339Nano drops trailing zeros
        }
    }

    @Test
    void aLineLongerThan16KiBIsSplitIntoPartialChunksThenAFullOne() throws Exception {
        ShimClient shim = run("head -c 40000 /dev/zero | tr '\\0' a; echo; echo next");
        shim.awaitExit();

        List<LogEntry> entries = fixture.logEntries();
        assertThat(entries).extracting(LogEntry::tag).containsExactly("P", "P", "F", "F");
        assertThat(entries.get(0).content()).hasSize(16384).matches("a+");
        assertThat(entries.get(1).content()).hasSize(16384).matches("a+");
        assertThat(entries.get(2).content()).hasSize(40000 - 2 * 16384).matches("a+");
        assertThat(entries.get(3).content()).isEqualTo("next");
    }

    /** seq writes its lines in big blocks: many lines per read, and lines cut across reads, all logged whole. */
    @Test
    void manyShortLinesReadTogetherAreEachLoggedWholeInOrder() throws Exception {
        fixture = new ShimFixture(dir, "seq", "1", "50000").withTools("seq");
        ShimClient shim = fixture.launch(false);
        shim.start();
        assertThat(shim.awaitExit().getExitCode()).isZero();

        List<LogEntry> entries = fixture.logEntries();
        assertThat(entries).hasSize(50000).allMatch(e -> e.stream().equals("stdout") && e.tag().equals("F"));
        for (int i = 0; i < entries.size(); i++) {
            assertThat(entries.get(i).content()).isEqualTo(Integer.toString(i + 1));
        }
    }

    @Test
    void outputEndingWithoutNewlineIsAPartialEntry() throws Exception {
        ShimClient shim = run("echo whole; printf 'no newline at the end'");
        shim.awaitExit();

        assertThat(fixture.logEntries()).extracting(LogEntry::tag, LogEntry::content).containsExactly(
                org.assertj.core.groups.Tuple.tuple("F", "whole"),
                org.assertj.core.groups.Tuple.tuple("P", "no newline at the end"));
    }

    @Test
    void afterTheLogIsRenamedAReopenWritesToAFreshFile() throws Exception {
        ShimClient shim = run("echo before; while [ ! -e /go ]; do sleep 0.05; done; echo after");
        await().atMost(Duration.ofSeconds(10)).until(() -> fixture.logEntries().size() == 1);

        Path rotated = fixture.log.resolveSibling("container.log.1");
        Files.move(fixture.log, rotated);
        shim.reopenLog();
        Files.createFile(fixture.rootfsSource.resolve("go"));
        shim.awaitExit();

        assertThat(fixture.logEntries(rotated)).extracting(LogEntry::content).containsExactly("before");
        assertThat(fixture.logEntries()).extracting(LogEntry::content).containsExactly("after");
    }

    @Test
    void aSymlinkPlantedAtTheLogPathIsNotFollowed() throws Exception {
        fixture = new ShimFixture(dir, "echo", "x");
        Path victim = Files.writeString(dir.resolve("victim"), "precious\n");
        Files.createSymbolicLink(fixture.log, victim);

        assertThatThrownBy(() -> fixture.launch(false))
                .isInstanceOf(InternalException.class)
                .hasMessageContaining(fixture.log.toString());
        assertThat(victim).hasContent("precious");
        assertThat(fixture.rootfsMounted()).isFalse();
    }

    @Test
    void aSymlinkPlantedBeforeAReopenIsRefusedAndTheOldFileKeepsTheOutput() throws Exception {
        ShimClient shim = run("echo before; while [ ! -e /go ]; do sleep 0.05; done; echo after");
        await().atMost(Duration.ofSeconds(10)).until(() -> fixture.logEntries().size() == 1);
        Path rotated = fixture.log.resolveSibling("container.log.1");
        Files.move(fixture.log, rotated);
        Path victim = Files.writeString(dir.resolve("victim"), "precious\n");
        Files.createSymbolicLink(fixture.log, victim);

        assertThatThrownBy(shim::reopenLog).isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("symbolic link");
        Files.createFile(fixture.rootfsSource.resolve("go"));
        shim.awaitExit();

        assertThat(victim).hasContent("precious");
        assertThat(fixture.logEntries(rotated)).extracting(LogEntry::content).containsExactly("before", "after");
    }
}

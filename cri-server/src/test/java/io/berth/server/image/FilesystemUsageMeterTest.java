package io.berth.server.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.server.streaming.MutableClock;
import io.berth.snapshotter.fs.Usage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ImageFsInfo's figure: a walk that fails under a changing tree never fails the caller once a figure exists. */
class FilesystemUsageMeterTest {
    @TempDir
    Path dir;

    final MutableClock clock = new MutableClock();
    final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    final Logger log = Logger.getLogger(FilesystemUsageMeter.class.getName());
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logged.add(r);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void captureLog() {
        log.addHandler(capture);
    }

    @AfterEach
    void releaseLog() {
        log.removeHandler(capture);
    }

    /** Answers queued usages and failures in order. */
    static final class ScriptedWalk implements FilesystemUsageMeter.Walk {
        final Deque<Object> script = new ArrayDeque<>();
        int walks;

        ScriptedWalk then(Object usageOrFailure) {
            script.add(usageOrFailure);
            return this;
        }

        @Override
        public Usage of(Path root) throws IOException {
            walks++;
            Object next = script.isEmpty() ? new NoSuchFileException(root + "/gone") : script.poll();
            if (next instanceof IOException e) {
                throw e;
            }
            return (Usage) next;
        }
    }

    @Test
    void whileWalksFailTheLastGoodFigureIsAnsweredWithItsTimeAndTheFailureIsLoggedOnce() throws Exception {
        ScriptedWalk walk = new ScriptedWalk().then(new Usage(1000, 10));
        FilesystemUsageMeter meter = new FilesystemUsageMeter(dir, clock, walk);
        FilesystemUsageMeter.Measurement good = meter.measure();
        assertThat(good.usedBytes()).isEqualTo(1000);

        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofSeconds(11));
            assertThat(meter.measure()).isEqualTo(good);
        }
        meter.invalidate();
        assertThat(meter.measure()).as("after a pull, too").isEqualTo(good);
        assertThat(walk.walks).as("each stale call walks again, once").isEqualTo(7);
        assertThat(logged).filteredOn(r -> r.getLevel() == Level.WARNING).singleElement()
                .satisfies(r -> assertThat(r.getMessage()).contains("gone").contains(good.at().toString()));

        walk.then(new Usage(2000, 20));
        clock.advance(Duration.ofSeconds(11));
        FilesystemUsageMeter.Measurement recovered = meter.measure();
        assertThat(recovered.usedBytes()).isEqualTo(2000);
        assertThat(recovered.at()).isEqualTo(clock.instant());
    }

    @Test
    void aFirstMeasurementRetriesAWalkThatRacedARemoval() throws Exception {
        ScriptedWalk walk = new ScriptedWalk().then(new NoSuchFileException("a")).then(new NoSuchFileException("b"))
                .then(new Usage(5, 1));
        assertThat(new FilesystemUsageMeter(dir, clock, walk).measure().usedBytes()).isEqualTo(5);
        assertThat(walk.walks).isEqualTo(FilesystemUsageMeter.FIRST_ATTEMPTS);
    }

    @Test
    void withoutAnyGoodFigureAPersistentFailureIsReportedWithEveryAttempt() {
        ScriptedWalk walk = new ScriptedWalk();
        FilesystemUsageMeter meter = new FilesystemUsageMeter(dir, clock, walk);
        assertThatThrownBy(meter::measure).isInstanceOf(NoSuchFileException.class)
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(FilesystemUsageMeter.FIRST_ATTEMPTS - 1));
    }

    @Test
    void theRealWalkAnswersWhileFilesAndDirectoriesVanishUnderIt() throws Exception {
        Path root = Files.createDirectories(dir.resolve("snapshots"));
        for (int i = 0; i < 20; i++) {
            Files.writeString(Files.createDirectories(root.resolve("stable/" + i)).resolve("f"), "x".repeat(100));
        }
        AtomicBoolean stop = new AtomicBoolean();
        Thread churn = new Thread(() -> churn(root.resolve("churn"), stop), "churn");
        churn.start();
        FilesystemUsageMeter meter = new FilesystemUsageMeter(root, clock);
        try {
            long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            int measured = 0;
            while (System.nanoTime() < until) {
                meter.invalidate();
                FilesystemUsageMeter.Measurement m = meter.measure();
                assertThat(m.usedBytes()).isGreaterThanOrEqualTo(20 * 100);
                measured++;
            }
            assertThat(measured).isPositive();
        } finally {
            stop.set(true);
            churn.join();
        }
    }

    /** Makes and removes small trees as fast as it can, as a pull and a removal beside the walk would. */
    private static void churn(Path base, AtomicBoolean stop) {
        int n = 0;
        while (!stop.get()) {
            Path top = base.resolve(Integer.toString(n++ % 4));
            try {
                for (int d = 0; d < 5; d++) {
                    Path sub = Files.createDirectories(top.resolve("d" + d + "/e"));
                    for (int f = 0; f < 5; f++) {
                        Files.writeString(sub.resolve("f" + f), "data");
                    }
                }
                try (var walk = Files.walk(top)) {
                    for (Path p : walk.sorted((a, b) -> b.compareTo(a)).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            } catch (IOException | RuntimeException ignored) {
                // the churn only has to keep changing the tree
            }
        }
    }
}

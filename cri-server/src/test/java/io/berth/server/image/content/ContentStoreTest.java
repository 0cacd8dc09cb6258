package io.berth.server.image.content;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.berth.common.error.NotFoundException;
import io.berth.common.error.ResourceExhaustedException;
import io.berth.common.error.UnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentStoreTest {
    private static final byte[] HELLO = "hello, layer".getBytes(UTF_8);
    private static final Digest HELLO_DIGEST = Digest.sha256Of(HELLO);

    @TempDir
    Path root;

    @Test
    void commitsVerifiedBlobUnderItsDigest() throws IOException {
        ContentStore store = ContentStore.open(root);

        BlobInfo info = store.ingest(HELLO_DIGEST, HELLO.length, out -> out.write(HELLO));

        assertThat(info).isEqualTo(new BlobInfo(HELLO_DIGEST, HELLO.length));
        assertThat(root.resolve("content/blobs/sha256/" + HELLO_DIGEST.hex())).hasBinaryContent(HELLO);
        assertThat(store.info(HELLO_DIGEST)).contains(info);
        try (InputStream in = store.read(HELLO_DIGEST)) {
            assertThat(in.readAllBytes()).isEqualTo(HELLO);
        }
        assertThat(store.list()).containsExactly(info);
        assertThat(ingestFiles()).isEmpty();
    }

    @Test
    void wrongContentLeavesNothingBehind() throws IOException {
        ContentStore store = ContentStore.open(root);
        byte[] other = "hello, LAYER".getBytes(UTF_8);

        assertThatThrownBy(() -> store.ingest(HELLO_DIGEST, other.length, out -> out.write(other)))
                .isInstanceOf(BlobVerificationException.class)
                .hasMessageContaining("does not match its digest " + HELLO_DIGEST);

        assertThat(blobFiles()).isEmpty();
        assertThat(ingestFiles()).isEmpty();
        assertThat(store.info(HELLO_DIGEST)).isEmpty();
    }

    @Test
    void refusesShortAndOverlongContent() throws IOException {
        ContentStore store = ContentStore.open(root);

        assertThatThrownBy(() -> store.ingest(HELLO_DIGEST, HELLO.length, out -> out.write(HELLO, 0, 3)))
                .isInstanceOf(BlobVerificationException.class)
                .hasMessageContaining("incomplete: got 3 of " + HELLO.length);
        AtomicInteger extraWrites = new AtomicInteger();
        assertThatThrownBy(() -> store.ingest(HELLO_DIGEST, HELLO.length, out -> {
            out.write(HELLO);
            extraWrites.incrementAndGet();
            out.write(0);
            extraWrites.incrementAndGet();
        })).isInstanceOf(BlobVerificationException.class).hasMessageContaining("larger than its declared size");

        assertThat(extraWrites).hasValue(1);
        assertThat(blobFiles()).isEmpty();
        assertThat(ingestFiles()).isEmpty();
    }

    @Test
    void failingSourceLeavesNothingBehind() throws IOException {
        ContentStore store = ContentStore.open(root);

        assertThatThrownBy(() -> store.ingest(HELLO_DIGEST, HELLO.length, out -> {
            out.write(HELLO, 0, 4);
            throw new IOException("connection reset");
        })).isInstanceOf(UnavailableException.class).hasMessageContaining("connection reset");

        assertThat(blobFiles()).isEmpty();
        assertThat(ingestFiles()).isEmpty();
    }

    @Test
    void sourceCanRestartAfterAPartialAttempt() throws IOException {
        ContentStore store = ContentStore.open(root);

        BlobInfo info = store.ingest(HELLO_DIGEST, HELLO.length, sink -> {
            sink.write("garbage from a broken mirror".getBytes(UTF_8), 0, 7);
            sink.restart();
            sink.write(HELLO);
        });

        assertThat(info.size()).isEqualTo(HELLO.length);
        assertThat(root.resolve("content/blobs/sha256/" + HELLO_DIGEST.hex())).hasBinaryContent(HELLO);
    }

    @Test
    void openRemovesInterruptedDownloads() throws IOException {
        ContentStore.open(root);
        Files.write(root.resolve("content/ingest/sha256-abc-partial"), HELLO);

        ContentStore.open(root);

        assertThat(ingestFiles()).isEmpty();
    }

    @Test
    void existingBlobIsNotWrittenAgain() throws IOException {
        ContentStore store = ContentStore.open(root);
        store.ingest(HELLO_DIGEST, HELLO.length, out -> out.write(HELLO));

        BlobInfo again = store.ingest(HELLO_DIGEST, HELLO.length, out -> {
            throw new AssertionError("the source must not be asked again");
        });

        assertThat(again.size()).isEqualTo(HELLO.length);
        assertThatThrownBy(() -> store.ingest(HELLO_DIGEST, 99, out -> out.write(HELLO)))
                .isInstanceOf(BlobVerificationException.class)
                .hasMessageContaining("declares 99");
    }

    @Test
    void aStoredBlobDamagedOnDiskIsFetchedAgainByTheNextIngestThatNeedsIt() throws IOException {
        ContentStore store = ContentStore.open(root);
        store.ingest(HELLO_DIGEST, HELLO.length, out -> out.write(HELLO));
        Path file = root.resolve("content/blobs/sha256/" + HELLO_DIGEST.hex());
        Files.write(file, "hello".getBytes(UTF_8));

        BlobInfo again = store.ingest(HELLO_DIGEST, HELLO.length, out -> out.write(HELLO));

        assertThat(again.size()).isEqualTo(HELLO.length);
        assertThat(file).hasBinaryContent(HELLO);
    }

    @Test
    void removeDamagedDropsSmallBlobsThatNoLongerHashToTheirNamesAndLeavesLargeOnesToTheirNextPull()
            throws IOException {
        ContentStore store = ContentStore.open(root);
        byte[] large = new byte[4096];
        Digest largeDigest = Digest.sha256Of(large);
        byte[] intact = "an intact config".getBytes(UTF_8);
        Digest intactDigest = Digest.sha256Of(intact);
        store.ingest(HELLO_DIGEST, HELLO.length, out -> out.write(HELLO));
        store.ingest(largeDigest, large.length, out -> out.write(large));
        store.ingest(intactDigest, intact.length, out -> out.write(intact));
        // Same sizes, other bytes: only hashing tells.
        Files.write(root.resolve("content/blobs/sha256/" + HELLO_DIGEST.hex()), "HELLO, LAYER".getBytes(UTF_8));
        large[0] = 1;
        Files.write(root.resolve("content/blobs/sha256/" + largeDigest.hex()), large);

        assertThat(store.removeDamaged(1024)).containsExactly(HELLO_DIGEST);

        assertThat(store.list()).extracting(BlobInfo::digest).containsExactlyInAnyOrder(largeDigest, intactDigest);
    }

    @Test
    void concurrentWritersOfOneDigestShareOneWrite() throws Exception {
        ContentStore store = ContentStore.open(root);
        AtomicInteger sourceCalls = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        BlobSource slowSource = out -> {
            sourceCalls.incrementAndGet();
            out.write(HELLO, 0, 5);
            awaitLatch(release);
            out.write(HELLO, 5, HELLO.length - 5);
        };
        List<BlobInfo> results = new CopyOnWriteArrayList<>();
        Thread first = new Thread(() -> results.add(store.ingest(HELLO_DIGEST, HELLO.length, slowSource)));
        first.start();
        await().until(() -> sourceCalls.get() == 1);
        List<Thread> waiters = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Thread waiter = new Thread(() -> results.add(store.ingest(HELLO_DIGEST, HELLO.length, slowSource)));
            waiter.start();
            waiters.add(waiter);
        }
        await().until(() -> waiters.stream().allMatch(t -> t.getState() == Thread.State.WAITING));

        release.countDown();
        first.join(10_000);
        for (Thread waiter : waiters) {
            waiter.join(10_000);
        }

        assertThat(sourceCalls).hasValue(1);
        assertThat(results).hasSize(5).containsOnly(new BlobInfo(HELLO_DIGEST, HELLO.length));
    }

    @Test
    void aWaiterWhoseWriterFailsWritesFromItsOwnSource() throws Exception {
        ContentStore store = ContentStore.open(root);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger sourceCalls = new AtomicInteger();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        BlobSource failing = out -> {
            sourceCalls.incrementAndGet();
            awaitLatch(release);
            throw new IOException("registry went away");
        };
        Thread first = new Thread(() -> {
            try {
                store.ingest(HELLO_DIGEST, HELLO.length, failing);
            } catch (RuntimeException e) {
                failures.add(e);
            }
        });
        first.start();
        await().until(() -> sourceCalls.get() == 1);
        List<BlobInfo> results = new CopyOnWriteArrayList<>();
        Thread waiter = new Thread(() -> results.add(store.ingest(HELLO_DIGEST, HELLO.length, out -> {
            sourceCalls.incrementAndGet();
            out.write(HELLO);
        })));
        waiter.start();
        await().until(() -> waiter.getState() == Thread.State.WAITING);

        release.countDown();
        first.join(10_000);
        waiter.join(10_000);

        // One caller's broken origin is its own failure; the waiter's source is tried and succeeds.
        assertThat(sourceCalls).hasValue(2);
        assertThat(failures).singleElement().satisfies(e -> assertThat(e).hasMessageContaining("registry went away"));
        assertThat(results).containsExactly(new BlobInfo(HELLO_DIGEST, HELLO.length));
        assertThat(root.resolve("content/blobs/sha256/" + HELLO_DIGEST.hex())).hasBinaryContent(HELLO);
        assertThat(ingestFiles()).isEmpty();
    }

    @Test
    void aWaiterPastItsBoundWritesItsOwnCopyAndTheSlowWriterStops() throws Exception {
        ContentStore store = ContentStore.open(root);
        AtomicInteger slowWrites = new AtomicInteger();
        CountDownLatch slowStarted = new CountDownLatch(1);
        List<Object> slowOutcome = new CopyOnWriteArrayList<>();
        // One byte per 50 ms, forever: the blob would never be finished by this source.
        BlobSource trickle = out -> {
            slowStarted.countDown();
            for (int i = 0; ; i = (i + 1) % HELLO.length) {
                out.write(HELLO[i]);
                slowWrites.incrementAndGet();
                sleep(50);
                if (i == HELLO.length - 1) {
                    out.restart();
                }
            }
        };
        Thread slow = new Thread(() -> {
            try {
                slowOutcome.add(store.ingest(HELLO_DIGEST, HELLO.length, java.time.Duration.ofMinutes(5), trickle));
            } catch (RuntimeException e) {
                slowOutcome.add(e);
            }
        });
        slow.start();
        assertThat(slowStarted.await(10, TimeUnit.SECONDS)).isTrue();
        long start = System.nanoTime();

        BlobInfo mine = store.ingest(HELLO_DIGEST, HELLO.length, java.time.Duration.ofMillis(300),
                out -> out.write(HELLO));

        assertThat(mine).isEqualTo(new BlobInfo(HELLO_DIGEST, HELLO.length));
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(5))
                .isGreaterThanOrEqualTo(java.time.Duration.ofMillis(300));
        slow.join(10_000);
        assertThat(slow.isAlive()).isFalse();
        assertThat(slowOutcome).containsExactly(mine);
        assertThat(root.resolve("content/blobs/sha256/" + HELLO_DIGEST.hex())).hasBinaryContent(HELLO);
        assertThat(blobFiles()).hasSize(1);
        assertThat(ingestFiles()).isEmpty();
    }

    @Test
    void aSecondVerifiedCopyOfACommittedDigestIsDroppedHarmlessly() throws Exception {
        ContentStore store = ContentStore.open(root);
        CountDownLatch firstWritten = new CountDownLatch(1);
        CountDownLatch secondCommitted = new CountDownLatch(1);
        List<BlobInfo> results = new CopyOnWriteArrayList<>();
        // The first writer has all its bytes when the second (past its 0 ms bound) commits; its own commit
        // must then keep the committed file, not fail and not leave its copy behind.
        Thread first = new Thread(() -> results.add(store.ingest(HELLO_DIGEST, HELLO.length, out -> {
            out.write(HELLO);
            firstWritten.countDown();
            awaitLatch(secondCommitted);
        })));
        first.start();
        assertThat(firstWritten.await(10, TimeUnit.SECONDS)).isTrue();
        results.add(store.ingest(HELLO_DIGEST, HELLO.length, java.time.Duration.ZERO, out -> out.write(HELLO)));
        secondCommitted.countDown();
        first.join(10_000);

        assertThat(results).hasSize(2).containsOnly(new BlobInfo(HELLO_DIGEST, HELLO.length));
        assertThat(blobFiles()).singleElement().satisfies(f -> assertThat(f).hasBinaryContent(HELLO));
        assertThat(ingestFiles()).isEmpty();
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Test
    void readAllRefusesBlobsAboveTheCapAndDeleteRemoves() throws IOException {
        ContentStore store = ContentStore.open(root);
        store.ingest(HELLO_DIGEST, HELLO.length, out -> out.write(HELLO));

        assertThat(store.readAll(HELLO_DIGEST, 1024)).isEqualTo(HELLO);
        assertThatThrownBy(() -> store.readAll(HELLO_DIGEST, 4)).isInstanceOf(ResourceExhaustedException.class);
        assertThat(store.delete(HELLO_DIGEST)).isTrue();
        assertThat(store.delete(HELLO_DIGEST)).isFalse();
        assertThatThrownBy(() -> store.read(HELLO_DIGEST)).isInstanceOf(NotFoundException.class);
        assertThat(store.list()).isEmpty();
    }

    private static void awaitLatch(CountDownLatch latch) throws IOException {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IOException("test latch never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private List<Path> ingestFiles() throws IOException {
        try (Stream<Path> files = Files.list(root.resolve("content/ingest"))) {
            return files.toList();
        }
    }

    private List<Path> blobFiles() throws IOException {
        try (Stream<Path> files = Files.walk(root.resolve("content/blobs"))) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

}

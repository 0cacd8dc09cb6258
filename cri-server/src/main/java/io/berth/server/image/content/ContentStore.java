package io.berth.server.image.content;

import io.berth.common.error.BerthException;
import io.berth.common.error.InternalException;
import io.berth.common.error.NotFoundException;
import io.berth.common.error.ResourceExhaustedException;
import io.berth.common.error.UnavailableException;
import io.berth.common.io.AtomicFiles;
import io.berth.server.failpoint.FailPoint;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Blobs by digest under {@code <root>/content/blobs/<algorithm>/<hex>}. A blob is written into
 * {@code <root>/content/ingest/}, hashed and counted on the way, verified, fsynced and only then renamed
 * under its digest, so a reader never sees a half-written or wrong blob under a digest.
 *
 * <p>Leftovers in ingest are deleted on {@link #open}, not resumed: after a crash the unsynced tail of a
 * partial file may be garbage, and resuming would also need Range support from every registry and
 * redirect target. The cost is re-downloading the layers that were in flight at the crash.
 *
 * <p>Writers of one digest share one write: the second caller waits for the first one's result, so two
 * pulls of images with a common layer download it once. A caller with a bound on that wait writes its own
 * copy once the bound has passed; commits of one digest are serialized and the first verified copy wins.
 */
public final class ContentStore {
    private static final System.Logger LOG = System.getLogger(ContentStore.class.getName());
    private static final List<String> ALGORITHMS = List.of(Digest.SHA256, Digest.SHA512);

    private final Path blobs;
    private final Path ingest;
    private static final Object[] COMMIT_LOCKS = new Object[64];

    static {
        for (int i = 0; i < COMMIT_LOCKS.length; i++) {
            COMMIT_LOCKS[i] = new Object();
        }
    }

    private final ConcurrentMap<Digest, Write> inFlight = new ConcurrentHashMap<>();

    private ContentStore(Path contentDir) {
        this.blobs = contentDir.resolve("blobs");
        this.ingest = contentDir.resolve("ingest");
    }

    /** Opens (creating if needed) the store under {@code <root>/content} and clears stale ingest files. */
    public static ContentStore open(Path root) throws IOException {
        ContentStore store = new ContentStore(root.resolve("content"));
        for (String algorithm : ALGORITHMS) {
            Files.createDirectories(store.blobs.resolve(algorithm));
        }
        Files.createDirectories(store.ingest);
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(store.ingest)) {
            for (Path leftover : leftovers) {
                LOG.log(System.Logger.Level.INFO, "removing interrupted download " + leftover);
                Files.deleteIfExists(leftover);
            }
        }
        return store;
    }

    /**
     * Removes every blob of at most {@code maxBytes} whose bytes no longer hash to its name, saying so in one
     * line each: a manifest or config damaged on disk after its verified write. Larger blobs (layers) are left
     * to the size check of the next pull that needs them: hashing every layer at each start would cost as much
     * as reading all images. Returns the blobs removed.
     */
    public List<Digest> removeDamaged(long maxBytes) {
        List<Digest> removed = new ArrayList<>();
        for (BlobInfo blob : list()) {
            if (blob.size() > maxBytes) {
                continue;
            }
            if (!hashesToItsName(blob)) {
                LOG.log(System.Logger.Level.WARNING, "blob " + blob.digest() + " in the content store no longer"
                        + " matches its digest (" + blob.size() + " bytes): it was damaged; removed, a pull fetches"
                        + " it again");
                delete(blob.digest());
                removed.add(blob.digest());
            }
        }
        return removed;
    }

    private boolean hashesToItsName(BlobInfo blob) {
        MessageDigest hasher = blob.digest().newHasher();
        try (InputStream in = Files.newInputStream(pathOf(blob.digest()))) {
            byte[] chunk = new byte[64 * 1024];
            for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
                hasher.update(chunk, 0, n);
            }
        } catch (IOException e) {
            return false;
        }
        return blob.digest().matches(hasher);
    }

    /** The committed blob, or empty when the store does not have it. */
    public Optional<BlobInfo> info(Digest digest) {
        try {
            return Optional.of(new BlobInfo(digest, Files.size(pathOf(digest))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new InternalException("cannot stat blob " + digest + " in " + blobs + ": " + e.getMessage(), e);
        }
    }

    /** Streams a committed blob; the caller closes the stream. */
    public InputStream read(Digest digest) {
        try {
            return Files.newInputStream(pathOf(digest));
        } catch (NoSuchFileException e) {
            throw new NotFoundException("blob " + digest + " is not in the content store");
        } catch (IOException e) {
            throw new InternalException("cannot read blob " + digest + ": " + e.getMessage(), e);
        }
    }

    /** Reads a small blob (a manifest, a config) whole, refusing one larger than {@code maxBytes}. */
    public byte[] readAll(Digest digest, long maxBytes) {
        BlobInfo info = info(digest).orElseThrow(
                () -> new NotFoundException("blob " + digest + " is not in the content store"));
        if (info.size() > maxBytes) {
            throw new ResourceExhaustedException("blob " + digest + " has " + info.size()
                    + " bytes, more than the " + maxBytes + " allowed for it");
        }
        try (InputStream in = read(digest)) {
            return in.readNBytes((int) maxBytes);
        } catch (IOException e) {
            throw new InternalException("cannot read blob " + digest + ": " + e.getMessage(), e);
        }
    }

    /** Removes a blob; returns whether it existed. */
    public boolean delete(Digest digest) {
        try {
            return Files.deleteIfExists(pathOf(digest));
        } catch (IOException e) {
            throw new InternalException("cannot delete blob " + digest + ": " + e.getMessage(), e);
        }
    }

    /** Every committed blob. Files whose names are not digests (foreign files) are skipped. */
    public List<BlobInfo> list() {
        List<BlobInfo> all = new ArrayList<>();
        for (String algorithm : ALGORITHMS) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(blobs.resolve(algorithm))) {
                for (Path file : files) {
                    parseDigest(algorithm, file.getFileName().toString())
                            .flatMap(this::info)
                            .ifPresent(all::add);
                }
            } catch (IOException e) {
                throw new InternalException("cannot list blobs in " + blobs + ": " + e.getMessage(), e);
            }
        }
        return all;
    }

    /**
     * Stores the blob that {@code source} writes, after checking it is exactly {@code size} bytes hashing
     * to {@code digest}. Returns at once when the blob is already stored; joins the write in progress when
     * another caller is already writing the same digest, waiting for it without a bound. For sources that
     * write from memory; a source that downloads uses {@link #ingest(Digest, long, Duration, BlobSource)}.
     */
    public BlobInfo ingest(Digest digest, long size, BlobSource source) {
        return ingest(digest, size, null, source);
    }

    /**
     * As {@link #ingest(Digest, long, BlobSource)}, but a caller that joins another caller's write waits for
     * it at most {@code maxWait} (null: without a bound). Past that, it writes the blob from its own
     * {@code source} alongside, so one caller's slow origin never holds up another caller who has a source
     * of its own. When the joined write fails, the caller tries again with its own source (becoming the
     * writer that later callers join) instead of taking on another caller's failure.
     *
     * <p>Every writer fills its own ingest file and verifies it; commits of one digest are serialized, and
     * the first verified copy is the one kept: a later writer drops its file, and a writer still receiving
     * bytes stops at its next write and returns the committed blob.
     */
    public BlobInfo ingest(Digest digest, long size, Duration maxWait, BlobSource source) {
        if (size < 0) {
            throw new BlobVerificationException("blob " + digest + " has a negative declared size " + size);
        }
        long deadline = maxWait == null ? Long.MAX_VALUE : System.nanoTime() + maxWait.toNanos();
        while (true) {
            Optional<BlobInfo> existing = info(digest);
            if (existing.isPresent() && existing.get().size() == size) {
                return existing.get();
            }
            if (existing.isPresent() && hashesToItsName(existing.get())) {
                // Intact: it is the descriptor that is wrong about the size.
                return checkedSize(existing.get(), size);
            }
            if (existing.isPresent()) {
                // Commits are verified, so a stored blob that no longer hashes right was damaged since.
                LOG.log(System.Logger.Level.WARNING, "blob " + digest + " in the content store has "
                        + existing.get().size() + " bytes, not the " + size + " its descriptor says: it was damaged;"
                        + " removed, and fetched again");
                delete(digest);
                continue;
            }
            Write mine = new Write();
            Write running = inFlight.putIfAbsent(digest, mine);
            if (running == null) {
                return checkedSize(writeShared(digest, size, source, mine), size);
            }
            Joined joined = await(running, digest, maxWait == null ? Long.MAX_VALUE : deadline - System.nanoTime());
            if (joined.info != null) {
                return checkedSize(joined.info, size);
            }
            if (joined.failure != null) {
                // The writer's origin failed, not necessarily ours: try our own (or join whoever does first).
                inFlight.remove(digest, running);
                LOG.log(System.Logger.Level.INFO, "shared download of blob " + digest + " failed ("
                        + joined.failure.getMessage() + "); trying this caller's own source");
                continue;
            }
            LOG.log(System.Logger.Level.INFO, "shared download of blob " + digest + " still running after "
                    + maxWait.toMillis() + " ms; fetching it from this caller's own source alongside");
            return checkedSize(writeAlongside(digest, size, source, running), size);
        }
    }

    /** The in-flight write: its callers join {@code outcome}; {@code committed} is set by whoever commits first. */
    private static final class Write {
        final CompletableFuture<BlobInfo> outcome = new CompletableFuture<>();
        volatile BlobInfo committed;
    }

    private BlobInfo writeShared(Digest digest, long size, BlobSource source, Write mine) {
        try {
            // Another writer may have committed between the first check and winning the in-flight slot.
            BlobInfo info = info(digest).orElseGet(() -> write(digest, size, source, mine));
            mine.outcome.complete(info);
            return info;
        } catch (RuntimeException e) {
            BlobInfo byOther = mine.committed;
            if (byOther != null) {
                mine.outcome.complete(byOther);
                return byOther;
            }
            mine.outcome.completeExceptionally(e);
            throw e;
        } catch (Error e) {
            mine.outcome.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(digest, mine);
        }
    }

    private BlobInfo writeAlongside(Digest digest, long size, BlobSource source, Write running) {
        try {
            return write(digest, size, source, running);
        } catch (RuntimeException e) {
            BlobInfo byOther = running.committed;
            if (byOther != null) {
                return byOther;
            }
            throw e;
        }
    }

    private BlobInfo write(Digest digest, long size, BlobSource source, Write shared) {
        Path partial = ingest.resolve(digest.algorithm() + "-" + digest.hex() + "-" + UUID.randomUUID());
        try {
            try (FileChannel file = FileChannel.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                VerifyingOutputStream sink = new VerifyingOutputStream(file, digest, size,
                        () -> shared.committed != null);
                source.writeTo(sink);
                sink.verify();
                file.force(true);
            }
            FailPoint.PULL_IMAGE_AFTER_BLOB_WRITE.reach();
            return commit(partial, digest, shared);
        } catch (IOException e) {
            throw new UnavailableException("download of blob " + digest + " failed: " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot remove partial download " + partial, e);
            }
        }
    }

    /**
     * Moves a verified, synced ingest file under its digest, unless a copy is already there: one commit per
     * digest at a time, and a second verified copy is dropped (its bytes are the same) rather than replacing
     * the file a reader may be opening.
     */
    private BlobInfo commit(Path partial, Digest digest, Write shared) throws IOException {
        synchronized (COMMIT_LOCKS[Math.floorMod(digest.hashCode(), COMMIT_LOCKS.length)]) {
            BlobInfo done = shared.committed;
            if (done != null) {
                return done;
            }
            Optional<BlobInfo> there = info(digest);
            if (there.isPresent()) {
                shared.committed = there.get();
                return there.get();
            }
            Path target = pathOf(digest);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            AtomicFiles.fsyncDir(target.getParent());
            BlobInfo info = new BlobInfo(digest, Files.size(target));
            shared.committed = info;
            return info;
        }
    }

    /** What waiting on another caller's write gave: its blob, its failure, or (both null) the wait ran out. */
    private record Joined(BlobInfo info, Throwable failure) {}

    private static Joined await(Write running, Digest digest, long maxWaitNanos) {
        try {
            BlobInfo info = maxWaitNanos == Long.MAX_VALUE
                    ? running.outcome.get()
                    : running.outcome.get(Math.max(0, maxWaitNanos), TimeUnit.NANOSECONDS);
            return new Joined(info, null);
        } catch (TimeoutException e) {
            return new Joined(null, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while waiting for the download of blob " + digest, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Error error) {
                throw error;
            }
            return new Joined(null, cause);
        }
    }

    private static BlobInfo checkedSize(BlobInfo info, long declared) {
        if (info.size() != declared) {
            throw new BlobVerificationException("blob " + info.digest() + " has " + info.size()
                    + " bytes but its descriptor declares " + declared);
        }
        return info;
    }

    private Path pathOf(Digest digest) {
        return blobs.resolve(digest.algorithm()).resolve(digest.hex());
    }

    private static Optional<Digest> parseDigest(String algorithm, String hex) {
        try {
            return Optional.of(new Digest(algorithm, hex));
        } catch (BerthException e) {
            return Optional.empty();
        }
    }
}

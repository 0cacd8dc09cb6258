package io.berth.server.image.content;

import io.berth.common.error.BerthException;
import io.berth.common.error.InternalException;
import io.berth.common.error.NotFoundException;
import io.berth.common.error.ResourceExhaustedException;
import io.berth.common.error.UnavailableException;
import io.berth.common.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;

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
 * pulls of images with a common layer download it once.
 */
public final class ContentStore {
    private static final System.Logger LOG = System.getLogger(ContentStore.class.getName());
    private static final List<String> ALGORITHMS = List.of(Digest.SHA256, Digest.SHA512);

    private final Path blobs;
    private final Path ingest;
    private final ConcurrentMap<Digest, CompletableFuture<BlobInfo>> inFlight = new ConcurrentHashMap<>();

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
     * another caller is already writing the same digest (and then shares its outcome, success or failure).
     */
    public BlobInfo ingest(Digest digest, long size, BlobSource source) {
        if (size < 0) {
            throw new BlobVerificationException("blob " + digest + " has a negative declared size " + size);
        }
        Optional<BlobInfo> existing = info(digest);
        if (existing.isPresent()) {
            return checkedSize(existing.get(), size);
        }
        CompletableFuture<BlobInfo> mine = new CompletableFuture<>();
        CompletableFuture<BlobInfo> running = inFlight.putIfAbsent(digest, mine);
        if (running != null) {
            return checkedSize(await(running, digest), size);
        }
        try {
            // Another writer may have committed between the first check and winning the in-flight slot.
            BlobInfo info = info(digest).orElseGet(() -> write(digest, size, source));
            mine.complete(info);
            return checkedSize(info, size);
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(digest, mine);
        }
    }

    private BlobInfo write(Digest digest, long size, BlobSource source) {
        Path partial = ingest.resolve(digest.algorithm() + "-" + digest.hex() + "-" + UUID.randomUUID());
        try {
            try (FileChannel file = FileChannel.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                VerifyingOutputStream sink = new VerifyingOutputStream(file, digest, size);
                source.writeTo(sink);
                sink.verify();
                file.force(true);
            }
            Path target = pathOf(digest);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            AtomicFiles.fsyncDir(target.getParent());
            return new BlobInfo(digest, size);
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

    private static BlobInfo await(CompletableFuture<BlobInfo> running, Digest digest) {
        try {
            return running.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while waiting for the download of blob " + digest, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof BerthException berth) {
                throw berth;
            }
            if (cause instanceof UncheckedIOException io) {
                throw new UnavailableException("download of blob " + digest + " failed: " + io.getMessage(), io);
            }
            throw new InternalException("download of blob " + digest + " failed: " + cause, cause);
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

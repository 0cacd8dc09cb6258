package io.berth.server.image.registry;

import io.berth.common.error.BerthException;
import io.berth.common.error.InternalException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.UnavailableException;
import io.berth.server.image.content.BlobInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Downloads an image's layers with at most N in parallel per pull, and at most M at once across the daemon, and
 * hands each finished layer to a consumer in layer order, on the calling thread, so that unpacking layer i can
 * start while later layers still download. Two requests for one blob (in this pull or another) share one
 * download, through the content store's in-flight writes.
 */
public final class LayerDownloader {
    public static final int DEFAULT_MAX_PARALLEL = 3;
    private static final AtomicInteger POOL_NUMBER = new AtomicInteger();

    /** Fetches one blob into the store, e.g. {@code (d, p) -> client.fetchBlob(ref, creds, d, store, p)}. */
    @FunctionalInterface
    public interface BlobFetcher {
        BlobInfo fetch(Descriptor blob, DownloadProgress progress);
    }

    /** As {@link BlobFetcher}, told which layer of the image it fetches (one blob may be two layers). */
    @FunctionalInterface
    public interface LayerFetcher {
        BlobInfo fetch(int index, Descriptor layer, DownloadProgress progress);
    }

    /** Receives layer {@code index} once it and every layer before it are stored. */
    @FunctionalInterface
    public interface LayerConsumer {
        void accept(int index, Descriptor layer, BlobInfo stored);
    }

    private final int maxParallel;
    /** Fair: a pull that waits for a slot gets the next one, whatever other pulls keep asking. */
    private final Semaphore daemonSlots;

    public LayerDownloader(int maxParallel) {
        this(maxParallel, Integer.MAX_VALUE);
    }

    /** At most {@code maxParallel} downloads per pull and {@code maxPerDaemon} across all pulls. */
    public LayerDownloader(int maxParallel, int maxPerDaemon) {
        if (maxParallel < 1 || maxPerDaemon < 1) {
            throw new InvalidArgumentException("max parallel downloads must be at least 1, not "
                    + Math.min(maxParallel, maxPerDaemon));
        }
        this.maxParallel = maxParallel;
        this.daemonSlots = new Semaphore(maxPerDaemon, true);
    }

    /**
     * Downloads {@code layers} and feeds them to {@code inOrder}. The first failure (of a download or of the
     * consumer) cancels the downloads still running and is thrown; layers after it are not consumed.
     */
    public void download(List<Descriptor> layers, BlobFetcher fetcher, DownloadProgress progress,
            LayerConsumer inOrder) {
        download(layers, (LayerFetcher) (i, layer, p) -> fetcher.fetch(layer, p), progress, inOrder);
    }

    /**
     * As {@link #download(List, BlobFetcher, DownloadProgress, LayerConsumer)}, with a fetcher that may do more
     * than fetch (unpack the layer apart, say) on the download's thread, so that layers are worked on in parallel.
     */
    public void download(List<Descriptor> layers, LayerFetcher fetcher, DownloadProgress progress,
            LayerConsumer inOrder) {
        if (layers.isEmpty()) {
            return;
        }
        int threads = Math.min(maxParallel, layers.size());
        int pool = POOL_NUMBER.incrementAndGet();
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(threads, task -> {
            Thread thread = new Thread(task, "layer-download-" + pool + "-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<CompletableFuture<BlobInfo>> downloads = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                int index = i;
                downloads.add(CompletableFuture.supplyAsync(
                        () -> inSlot(() -> fetcher.fetch(index, layers.get(index), progress), layers.get(index)),
                        executor));
            }
            for (int i = 0; i < layers.size(); i++) {
                inOrder.accept(i, layers.get(i), await(downloads.get(i), layers.get(i)));
            }
        } finally {
            executor.shutdownNow();
        }
    }

    private BlobInfo inSlot(Supplier<BlobInfo> fetch, Descriptor layer) {
        try {
            daemonSlots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while waiting to download layer " + layer.digest(), e);
        }
        try {
            return fetch.get();
        } finally {
            daemonSlots.release();
        }
    }

    private static BlobInfo await(CompletableFuture<BlobInfo> download, Descriptor layer) {
        try {
            return download.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while downloading layer " + layer.digest(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof BerthException berth) {
                throw berth;
            }
            throw new InternalException("download of layer " + layer.digest() + " failed: " + e.getCause(), e.getCause());
        }
    }
}

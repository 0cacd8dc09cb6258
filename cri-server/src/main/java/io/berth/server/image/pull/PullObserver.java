package io.berth.server.image.pull;

import java.time.Duration;
import java.util.Collection;
import java.util.function.BiConsumer;
import java.util.function.LongConsumer;

/**
 * Told how far each running pull has come, layer by layer, and how it ended, with the bytes it brought over the
 * network; berthd's metrics listen.
 */
public interface PullObserver {
    PullObserver NONE = of((bytes, took) -> { }, bytes -> { });

    /**
     * {@code done} bytes of layer {@code layer} (a digest) of the running pull of {@code image} are in: downloaded,
     * and unpacked as far as the download (they go through in one pass). Called on the downloading thread.
     */
    default void layerBytes(String image, String layer, long done) {}

    /** The pull of {@code image} ended, either way: the progress of {@code layers} is no longer news. */
    default void ended(String image, Collection<String> layers) {}

    /** An observer of two callbacks, e.g. {@code of(metrics::imagePulled, metrics::imagePullFailed)}. */
    static PullObserver of(BiConsumer<Long, Duration> pulled, LongConsumer failed) {
        return new PullObserver() {
            @Override
            public void pulled(long downloadedBytes, Duration took) {
                pulled.accept(downloadedBytes, took);
            }

            @Override
            public void failed(long downloadedBytes) {
                failed.accept(downloadedBytes);
            }
        };
    }

    void pulled(long downloadedBytes, Duration took);

    /** Bytes downloaded before the failure count too: they crossed the network all the same. */
    void failed(long downloadedBytes);
}

package io.berth.server.image.pull;

import java.time.Duration;
import java.util.function.BiConsumer;
import java.util.function.LongConsumer;

/** Told how each pull ended, with the bytes it brought over the network; berthd's metrics listen. */
public interface PullObserver {
    PullObserver NONE = of((bytes, took) -> { }, bytes -> { });

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

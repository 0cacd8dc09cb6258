package io.berth.server.image.pull;

import io.berth.server.image.registry.Descriptor;
import io.berth.server.image.registry.DownloadProgress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the bytes one pull received over the network. Progress reports the running count of a blob, which
 * starts again at 0 when the download moves to another mirror; the bytes of the abandoned attempt still came
 * over the network and stay counted. A blob already in the content store reports nothing and counts nothing.
 */
final class DownloadedBytes implements DownloadProgress {
    private final Map<String, Long> lastReport = new ConcurrentHashMap<>();
    private final AtomicLong total = new AtomicLong();

    @Override
    public void onBytes(Descriptor blob, long received) {
        long[] delta = {0};
        lastReport.compute(blob.digest().toString(), (digest, last) -> {
            long before = last == null || received < last ? 0 : last;
            delta[0] = received - before;
            return received;
        });
        total.addAndGet(delta[0]);
    }

    /** Documents fetched whole (manifests, indexes). */
    void add(long bytes) {
        total.addAndGet(bytes);
    }

    long total() {
        return total.get();
    }
}

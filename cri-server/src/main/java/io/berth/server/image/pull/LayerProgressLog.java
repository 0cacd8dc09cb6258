package io.berth.server.image.pull;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When a layer's progress is worth a debug line: each time its download passes another eighth of the layer, and
 * at least every 64 MiB, so that a slow or stuck layer shows where it is without a line per read.
 */
final class LayerProgressLog {
    private static final long MAX_STEP = 64L << 20;

    /** The last step logged, per layer digest. */
    private final Map<String, Long> logged = new ConcurrentHashMap<>();

    /** Whether {@code received} bytes of layer {@code digest} (of {@code size}) passed a step not logged yet. */
    boolean crossed(String digest, long received, long size) {
        long step = Math.max(1, Math.min(MAX_STEP, size / 8));
        long reached = received / step;
        Long before = logged.put(digest, reached);
        // A download that restarts on another mirror starts again from step 0: it is logged again as it goes.
        return reached > 0 && (before == null || reached != before);
    }
}

package io.berth.server.stats;

import io.berth.common.error.NotFoundException;
import io.berth.common.time.UnixNanos;
import io.berth.snapshotter.Snapshotter;
import io.berth.snapshotter.fs.Usage;
import java.time.Clock;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Bytes and inodes of each container's writable layer, measured off the RPC path. Walking a layer costs one
 * {@code stat} per file, which kubelet's stats call every few seconds for every container cannot afford; so
 * calls read this cache, and {@link #refresh} (run periodically) walks every live layer again. A layer nobody
 * measured yet (a container created since the last refresh) is measured once on first ask: a new layer is
 * small, and kubelet should not see a container without its rootfs numbers.
 */
final class WritableLayerUsage {
    private static final Logger LOG = Logger.getLogger(WritableLayerUsage.class.getName());

    /** One measurement and its wall-clock time in nanoseconds since the epoch, as the CRI stamps values. */
    record Measured(Usage usage, long atNanos) {}

    private final Snapshotter snapshotter;
    private final Clock clock;
    private final Map<String, Measured> bySnapshot = new ConcurrentHashMap<>();

    WritableLayerUsage(Snapshotter snapshotter, Clock clock) {
        this.snapshotter = snapshotter;
        this.clock = clock;
    }

    /** The last measurement of {@code snapshotKey}, measuring it now if it never was; empty if it is gone. */
    Optional<Measured> of(String snapshotKey) {
        Measured known = bySnapshot.get(snapshotKey);
        if (known != null) {
            return Optional.of(known);
        }
        return measure(snapshotKey);
    }

    /** Measures every key in {@code live} again and forgets the rest. Called from the stats housekeeping thread. */
    void refresh(Collection<String> live) {
        for (String key : live) {
            measure(key);
        }
        bySnapshot.keySet().retainAll(new HashSet<>(live));
    }

    private Optional<Measured> measure(String key) {
        try {
            Measured m = new Measured(snapshotter.usage(key), UnixNanos.now(clock));
            bySnapshot.put(key, m);
            return Optional.of(m);
        } catch (NotFoundException gone) {
            // Removed between the listing and the walk (or a create that has not made it yet).
            bySnapshot.remove(key);
            return Optional.empty();
        } catch (RuntimeException e) {
            LOG.fine("cannot measure writable layer " + key + ": " + e.getMessage());
            return Optional.ofNullable(bySnapshot.get(key));
        }
    }
}

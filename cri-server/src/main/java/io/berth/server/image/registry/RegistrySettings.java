package io.berth.server.image.registry;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Limits and timeouts of the registry client.
 *
 * @param stallTimeout     a response that sends no byte for this long (headers or body) is abandoned; also how
 *                         long a pull waits for another pull's download of the same blob before fetching it
 *                         itself from its own registry
 * @param connectTimeout   TCP and TLS connect limit per host
 * @param maxManifestBytes manifests, indexes and configs larger than this are refused unread
 * @param maxRedirects     redirect hops followed for one request
 * @param clock            for token expiry
 * @param minimumRate      a response body slower than this on average over its window is abandoned
 */
public record RegistrySettings(Duration stallTimeout, Duration connectTimeout, long maxManifestBytes, int maxRedirects,
        Clock clock, MinimumRate minimumRate) {
    public static final long DEFAULT_MAX_MANIFEST_BYTES = 4L * 1024 * 1024;

    public RegistrySettings {
        Objects.requireNonNull(minimumRate);
    }

    /** With the default minimum rate. */
    public RegistrySettings(Duration stallTimeout, Duration connectTimeout, long maxManifestBytes, int maxRedirects,
            Clock clock) {
        this(stallTimeout, connectTimeout, maxManifestBytes, maxRedirects, clock, MinimumRate.DEFAULT);
    }

    public static RegistrySettings defaults() {
        return new RegistrySettings(Duration.ofMinutes(5), Duration.ofSeconds(30), DEFAULT_MAX_MANIFEST_BYTES, 5,
                Clock.systemUTC(), MinimumRate.DEFAULT);
    }

    public RegistrySettings withStallTimeout(Duration timeout) {
        return new RegistrySettings(timeout, connectTimeout, maxManifestBytes, maxRedirects, clock, minimumRate);
    }

    public RegistrySettings withMaxManifestBytes(long max) {
        return new RegistrySettings(stallTimeout, connectTimeout, max, maxRedirects, clock, minimumRate);
    }

    public RegistrySettings withClock(Clock newClock) {
        return new RegistrySettings(stallTimeout, connectTimeout, maxManifestBytes, maxRedirects, newClock, minimumRate);
    }

    public RegistrySettings withMinimumRate(MinimumRate rate) {
        return new RegistrySettings(stallTimeout, connectTimeout, maxManifestBytes, maxRedirects, clock, rate);
    }
}

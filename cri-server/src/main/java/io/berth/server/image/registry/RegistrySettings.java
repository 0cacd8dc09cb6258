package io.berth.server.image.registry;

import java.time.Clock;
import java.time.Duration;

/**
 * Limits and timeouts of the registry client.
 *
 * @param stallTimeout     a response that sends no byte for this long (headers or body) is abandoned
 * @param connectTimeout   TCP and TLS connect limit per host
 * @param maxManifestBytes manifests, indexes and configs larger than this are refused unread
 * @param maxRedirects     redirect hops followed for one request
 * @param clock            for token expiry
 */
public record RegistrySettings(Duration stallTimeout, Duration connectTimeout, long maxManifestBytes, int maxRedirects,
        Clock clock) {
    public static final long DEFAULT_MAX_MANIFEST_BYTES = 4L * 1024 * 1024;

    public static RegistrySettings defaults() {
        return new RegistrySettings(Duration.ofMinutes(5), Duration.ofSeconds(30), DEFAULT_MAX_MANIFEST_BYTES, 5,
                Clock.systemUTC());
    }

    public RegistrySettings withStallTimeout(Duration timeout) {
        return new RegistrySettings(timeout, connectTimeout, maxManifestBytes, maxRedirects, clock);
    }

    public RegistrySettings withMaxManifestBytes(long max) {
        return new RegistrySettings(stallTimeout, connectTimeout, max, maxRedirects, clock);
    }

    public RegistrySettings withClock(Clock newClock) {
        return new RegistrySettings(stallTimeout, connectTimeout, maxManifestBytes, maxRedirects, newClock);
    }
}

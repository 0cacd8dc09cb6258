package io.berth.server.streaming.server;

import io.berth.common.error.ResourceExhaustedException;
import io.berth.server.config.StreamingConfig;
import io.berth.server.streaming.StreamRequest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Single-use tokens for streaming URLs, as kubelet's request cache: an unguessable token maps to one
 * request for a short time, is gone once used, and only so many may wait at once, so that a flood of Exec
 * calls whose URLs are never opened cannot grow berthd's memory.
 */
public final class TokenStore {
    /** kubelet's CacheTTL: the client opens the URL right after the RPC returns. */
    public static final Duration DEFAULT_TTL = StreamingConfig.DEFAULT_TOKEN_TTL;
    /** kubelet's MaxInFlight. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 1000;
    /** 16 random bytes: 128 bits, more than kubelet's 8, as guessing is the only attack on an open URL. */
    private static final int TOKEN_BYTES = 16;

    private final Clock clock;
    private final Duration ttl;
    private final int maxInFlight;
    private final SecureRandom random = new SecureRandom();
    /** Insertion order is expiry order, since every entry lives for the same ttl. */
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

    private record Entry(StreamRequest request, Instant expires) {}

    public TokenStore(Clock clock, Duration ttl, int maxInFlight) {
        this.clock = clock;
        this.ttl = ttl;
        this.maxInFlight = maxInFlight;
    }

    public TokenStore() {
        this(Clock.systemUTC(), DEFAULT_TTL, DEFAULT_MAX_IN_FLIGHT);
    }

    /** Stores the request and returns its token (URL-safe base64, no padding). */
    public synchronized String insert(StreamRequest request) {
        Instant now = clock.instant();
        evictExpired(now);
        if (entries.size() >= maxInFlight) {
            throw new ResourceExhaustedException("maximum number of in-flight streaming requests (" + maxInFlight
                    + ") exceeded: URLs from Exec, Attach and PortForward must be used within " + ttl.toSeconds()
                    + "s");
        }
        String token;
        do {
            byte[] bytes = new byte[TOKEN_BYTES];
            random.nextBytes(bytes);
            token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        } while (entries.containsKey(token));
        entries.put(token, new Entry(request, now.plus(ttl)));
        return token;
    }

    /** The request of a live token, which is used up by this call; empty for unknown, used or expired ones. */
    public synchronized Optional<StreamRequest> consume(String token) {
        Entry e = entries.remove(token);
        if (e == null || !clock.instant().isBefore(e.expires())) {
            return Optional.empty();
        }
        return Optional.of(e.request());
    }

    public synchronized int size() {
        return entries.size();
    }

    private void evictExpired(Instant now) {
        Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            if (now.isBefore(it.next().getValue().expires())) {
                return;
            }
            it.remove();
        }
    }
}

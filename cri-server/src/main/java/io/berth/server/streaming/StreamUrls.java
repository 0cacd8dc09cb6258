package io.berth.server.streaming;

/** Hands out the one-time URL under which the streaming server serves a validated request. */
@FunctionalInterface
public interface StreamUrls {
    /** Fails with RESOURCE_EXHAUSTED when too many URLs are waiting, UNAVAILABLE when the server is not up. */
    String urlFor(StreamRequest request);
}

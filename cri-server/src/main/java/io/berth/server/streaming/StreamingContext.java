package io.berth.server.streaming;

import io.berth.server.config.StreamingConfig;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.ExecutorService;

/**
 * What every session handler needs: the backend, a pool for blocking work (process I/O, dialing into a
 * netns), the event loops (port-forward targets join them) and the timeouts.
 */
public record StreamingContext(StreamBackend backend, ExecutorService pool, EventLoopGroup loops,
        StreamingConfig config) {}

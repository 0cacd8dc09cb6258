package io.berth.server.events;

import io.berth.common.error.UnavailableException;
import io.berth.cri.v1.ContainerEventResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fans container lifecycle events out to every GetContainerEvents stream. {@link #publish} never waits for a
 * consumer: each subscriber has its own bounded buffer, and one that falls {@code capacity} events behind is
 * closed with RESOURCE_EXHAUSTED (kubelet then reconnects and relists).
 *
 * <p>Every subscriber sees events in publish order. Events of one container are in order as long as its
 * publisher publishes them in order, i.e. from the one status-update function that persists, then publishes.
 */
public final class ContainerEventBus {
    /** containerd's CRI plugin buffers 1000 events per stream; berth does the same. */
    public static final int DEFAULT_CAPACITY = 1000;

    private final int capacity;
    private final List<EventSubscriber> subscribers = new CopyOnWriteArrayList<>();
    private final AtomicLong ids = new AtomicLong();
    private final Object order = new Object();
    private volatile boolean closed;

    public ContainerEventBus(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive, not " + capacity);
        }
        this.capacity = capacity;
    }

    public ContainerEventBus() {
        this(DEFAULT_CAPACITY);
    }

    /** Adds a consumer; it receives every event published from now on. */
    public EventSubscriber subscribe(EventSink sink) {
        EventSubscriber subscriber = new EventSubscriber("#" + ids.incrementAndGet(), sink, capacity,
                subscribers::remove);
        subscribers.add(subscriber);
        if (closed) {
            subscriber.closeWith(shuttingDown());
        }
        return subscriber;
    }

    /** Hands {@code event} to every subscriber; never blocks on a consumer. */
    public void publish(ContainerEventResponse event) {
        // Offering under one lock gives every subscriber the same order; offers never wait.
        synchronized (order) {
            for (EventSubscriber s : subscribers) {
                s.offer(event);
            }
        }
        for (EventSubscriber s : subscribers) {
            s.drain();
        }
    }

    public int subscriberCount() {
        return subscribers.size();
    }

    /**
     * Ends every stream with UNAVAILABLE. Call before stopping the gRPC server: an open event stream is an
     * in-flight call that would otherwise hold the shutdown for its whole grace period.
     */
    public void close() {
        closed = true;
        for (EventSubscriber s : subscribers) {
            s.closeWith(shuttingDown());
        }
    }

    private static UnavailableException shuttingDown() {
        return new UnavailableException("berthd is shutting down; reconnect to the restarted daemon");
    }
}

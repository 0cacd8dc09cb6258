package io.berth.server.events;

import io.berth.common.error.ResourceExhaustedException;
import io.berth.cri.v1.ContainerEventResponse;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * One consumer of the event bus: a bounded queue in front of its sink. Events leave the queue only while the
 * sink is ready, so a consumer that stops reading fills its own queue and nobody else's; when the queue is full
 * the consumer is closed rather than the publisher made to wait.
 *
 * <p>{@link #drain} may be called from any thread (publishers, the transport's on-ready callback); the
 * work-in-progress counter lets exactly one thread at a time talk to the sink, and no wake-up is lost.
 */
public final class EventSubscriber {
    private static final Logger LOG = Logger.getLogger(EventSubscriber.class.getName());

    private final String name;
    private final EventSink sink;
    private final int capacity;
    private final ArrayBlockingQueue<ContainerEventResponse> queue;
    private final Consumer<EventSubscriber> onEnd;
    private final AtomicInteger wip = new AtomicInteger();
    private volatile Exception closeWith;
    private volatile boolean ended;

    EventSubscriber(String name, EventSink sink, int capacity, Consumer<EventSubscriber> onEnd) {
        this.name = name;
        this.sink = sink;
        this.capacity = capacity;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.onEnd = onEnd;
    }

    public String name() {
        return name;
    }

    /** Queues an event without ever waiting; a full queue closes this subscriber. */
    void offer(ContainerEventResponse event) {
        if (ended || closeWith != null) {
            return;
        }
        if (!queue.offer(event)) {
            LOG.warning("container event consumer " + name + " is too slow: " + capacity
                    + " events not yet read; closing its stream");
            closeWith = new ResourceExhaustedException("event consumer too slow: more than " + capacity
                    + " container events were not read; reconnect and list containers to resynchronize");
        }
    }

    /** Closes the stream with {@code reason} once the thread draining it gets to it. */
    void closeWith(Exception reason) {
        if (closeWith == null) {
            closeWith = reason;
        }
        drain();
    }

    /** Sends what the sink can take now; also the sink's on-ready callback. */
    public void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            drainOnce();
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    private void drainOnce() {
        if (ended) {
            queue.clear();
            return;
        }
        Exception reason = closeWith;
        if (reason != null) {
            end();
            sink.close(reason);
            return;
        }
        ContainerEventResponse next;
        while (!ended && sink.isReady() && (next = queue.poll()) != null) {
            sink.send(next);
        }
    }

    /** The consumer went away (the client cancelled): forget it and its queue. */
    public void cancel() {
        end();
        drain();
    }

    boolean isEnded() {
        return ended;
    }

    private void end() {
        if (!ended) {
            ended = true;
            queue.clear();
            onEnd.accept(this);
        }
    }
}

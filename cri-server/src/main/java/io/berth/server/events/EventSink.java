package io.berth.server.events;

import io.berth.cri.v1.ContainerEventResponse;

/** Where one subscriber's events go: in berthd, one GetContainerEvents stream. */
public interface EventSink {
    /** Whether {@link #send} can take an event now without buffering beyond the transport's small window. */
    boolean isReady();

    void send(ContainerEventResponse event);

    /** Ends the stream with a failure (a typed berth exception, translated at the RPC edge). */
    void close(Exception reason);
}

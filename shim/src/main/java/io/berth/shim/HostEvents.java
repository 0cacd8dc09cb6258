package io.berth.shim;

import io.berth.linux.FileDescriptors;
import io.berth.shim.api.Event;
import io.berth.shim.protocol.MessageSocket;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The connections that asked for events (berthd's, one per berthd): each recorded exit is pushed to all
 * of them, without blocking: a subscriber whose socket is full (a berthd that stopped reading) or gone is
 * dropped, and no thread of the host waits for it. It learns what it missed from the exit files and State
 * when it subscribes again, as berthd does whenever its stream ends while the host lives.
 */
final class HostEvents {
    /** More than one berthd at a time is a mistake, but a bound is needed whatever connects. */
    private static final int MAX_SUBSCRIBERS = 8;

    /** A subscribed connection; sends to it are one at a time, so events never interleave. */
    private record Subscriber(int connection) {}

    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();

    /** Adds the connection; false (and it is left to the caller to close) when there are too many. */
    boolean subscribe(int connection) throws IOException {
        synchronized (subscribers) {
            if (subscribers.size() >= MAX_SUBSCRIBERS) {
                return false;
            }
            FileDescriptors.setNonBlocking(connection, true);
            subscribers.add(new Subscriber(connection));
            return true;
        }
    }

    void publish(Event event) {
        for (Subscriber subscriber : subscribers) {
            synchronized (subscriber) {
                try {
                    MessageSocket.send(subscriber.connection(), event, new int[0]);
                } catch (IOException e) {
                    if (subscribers.remove(subscriber)) {
                        FileDescriptors.closeQuietly(subscriber.connection());
                    }
                }
            }
        }
    }
}

package io.berth.shim;

import io.berth.linux.FileDescriptors;
import io.berth.shim.api.Event;
import io.berth.shim.protocol.MessageSocket;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The connections that asked for events (berthd's, one per berthd): each recorded exit is pushed to all
 * of them. A subscriber that cannot take an event is dropped; it learns what it missed from the exit
 * files and State when it subscribes again.
 */
final class HostEvents {
    /** More than one berthd at a time is a mistake, but a bound is needed whatever connects. */
    private static final int MAX_SUBSCRIBERS = 8;

    /** A subscribed connection; sends to it are one at a time, so events never interleave. */
    private record Subscriber(int connection) {}

    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();

    /** Adds the connection; false (and it is left to the caller to close) when there are too many. */
    boolean subscribe(int connection) {
        synchronized (subscribers) {
            if (subscribers.size() >= MAX_SUBSCRIBERS) {
                return false;
            }
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

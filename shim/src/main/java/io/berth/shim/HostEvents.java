package io.berth.shim;

import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import io.berth.linux.UnixSockets;
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
    static final int MAX_SUBSCRIBERS = 8;

    /** A subscribed connection; sends to it are one at a time, so events never interleave. */
    private static final class Subscriber {
        final int connection;
        /** Guarded by this: once false the descriptor is closed, and its number may belong to another file. */
        boolean open = true;

        Subscriber(int connection) {
            this.connection = connection;
        }
    }

    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();

    /**
     * Adds the connection; false (and it is left to the caller to close) when there are too many. A berthd
     * killed with -9 never unsubscribes, and its connection was seen closed only when an exit was sent to it: a
     * node whose berthd was restarted that way several times with no container exiting in between had its
     * places all taken by the dead, and the next berthd heard no exit at all. So those whose berthd is gone are
     * dropped first.
     */
    boolean subscribe(int connection) throws IOException {
        synchronized (subscribers) {
            for (Subscriber subscriber : subscribers) {
                if (gone(subscriber)) {
                    drop(subscriber);
                }
            }
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
                if (!subscriber.open) {
                    continue;
                }
                try {
                    MessageSocket.send(subscriber.connection, event, new int[0]);
                } catch (IOException e) {
                    drop(subscriber);
                }
            }
        }
    }

    private static boolean gone(Subscriber subscriber) {
        synchronized (subscriber) {
            try {
                return subscriber.open && UnixSockets.peerClosed(subscriber.connection);
            } catch (ErrnoException e) {
                return true;
            }
        }
    }

    private void drop(Subscriber subscriber) {
        synchronized (subscriber) {
            if (subscriber.open) {
                subscriber.open = false;
                subscribers.remove(subscriber);
                FileDescriptors.closeQuietly(subscriber.connection);
            }
        }
    }
}

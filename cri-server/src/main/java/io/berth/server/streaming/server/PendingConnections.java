package io.berth.server.streaming.server;

import io.netty.channel.Channel;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Connections that have not yet presented a valid token. Anyone who can reach the streaming port can open them, so
 * they are held apart from the sessions kubelet opens: at most {@code max} at a time, and when one more arrives the
 * oldest pending one is closed rather than the newcomer refused. A local user holding sockets open therefore cannot
 * lock kubelet out: kubelet sends its request at once, so its connection stops being pending within moments, while
 * a squatter's sockets are the oldest and go first. Each pending connection also has the request deadline
 * ({@code stream_creation_timeout}) of {@link RequestRouter}.
 */
public final class PendingConnections {
    private final int max;
    private final Set<Channel> pending = new LinkedHashSet<>();

    public PendingConnections(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be positive");
        }
        this.max = max;
    }

    /** Counts a new connection as pending until {@link #authenticated} or its close; evicts the oldest if full. */
    public void admit(Channel channel) {
        Channel evicted = null;
        synchronized (this) {
            if (pending.size() >= max) {
                Iterator<Channel> oldest = pending.iterator();
                evicted = oldest.next();
                oldest.remove();
            }
            pending.add(channel);
        }
        channel.closeFuture().addListener(f -> forget(channel));
        if (evicted != null) {
            evicted.close();
        }
    }

    /** The connection presented a valid token: from now on it is a session, no longer pending. */
    public void authenticated(Channel channel) {
        forget(channel);
    }

    public synchronized int size() {
        return pending.size();
    }

    private synchronized void forget(Channel channel) {
        pending.remove(channel);
    }
}

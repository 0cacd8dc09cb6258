package io.berth.server.streaming.exec;

import io.netty.channel.Channel;

/**
 * Lets a blocking pump thread wait until the client's connection can take more output. The pump only reads
 * the process's next chunk after this returns, so a client that stops reading stops the process (through the
 * shim's pipe) instead of filling berthd's heap.
 */
public final class WritabilityGate {
    private final Channel channel;
    private final Object lock = new Object();

    public WritabilityGate(Channel channel) {
        this.channel = channel;
    }

    /** Returns once the channel is writable or closed. */
    public void awaitWritable() throws InterruptedException {
        synchronized (lock) {
            while (channel.isActive() && !channel.isWritable()) {
                // The timeout only guards against a missed signal; writability changes normally wake us.
                lock.wait(1000);
            }
        }
    }

    /** Called on the event loop when writability or the connection's state changed. */
    public void changed() {
        synchronized (lock) {
            lock.notifyAll();
        }
    }
}

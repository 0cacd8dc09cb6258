package io.berth.server.image.registry;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP response body as an InputStream whose reads give up when the server sends nothing for the stall
 * timeout, or (with a {@link MinimumRate}) averages less than the floor over the rule's window. The JDK
 * client's own timeout ends when headers arrive, and its InputStream body blocks forever on a silent
 * server; subscribing to the body publisher and polling with a timeout needs no watchdog thread and no
 * interrupts. At most {@link #CHUNKS_AHEAD} chunks are asked for ahead of the reader, so a slow reader holds back
 * the server and a download holds a bounded amount of memory, while a fast one does not wait for each chunk's
 * round trip through the client's threads (one at a time held loopback downloads near 100 MiB/s).
 */
final class StallGuardedBody extends BulkInputStream implements Flow.Subscriber<List<ByteBuffer>> {
    private static final Object END = new Object();
    /**
     * Chunks asked for before the reader takes them: each is one read of the client, up to jdk.httpclient.bufsize
     * (16 KiB by default). Only manifests and tokens come this way; blobs use {@link DirectGet}.
     */
    static final int CHUNKS_AHEAD = 4;

    private final BlockingQueue<Object> chunks = new LinkedBlockingQueue<>();
    private final BodyGuard guard;
    private volatile Flow.Subscription subscription;
    private Iterator<ByteBuffer> currentChunk;
    private ByteBuffer current;
    private boolean ended;
    private volatile boolean closed;

    StallGuardedBody(Duration stallTimeout, String what) {
        this(stallTimeout, MinimumRate.OFF, what);
    }

    /** {@code what} names the transfer and its host in messages ("blob sha256:... of image x from host"). */
    StallGuardedBody(Duration stallTimeout, MinimumRate minimumRate, String what) {
        this.guard = new BodyGuard(stallTimeout, minimumRate, what);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (closed) {
            s.cancel();
        } else {
            s.request(CHUNKS_AHEAD);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        chunks.add(item);
    }

    @Override
    public void onError(Throwable throwable) {
        chunks.add(throwable);
    }

    @Override
    public void onComplete() {
        chunks.add(END);
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(length, current.remaining());
        current.get(buffer, offset, n);
        return n;
    }

    /** Makes {@code current} hold unread bytes; false at the end of the body. */
    private boolean fill() throws IOException {
        while (current == null || !current.hasRemaining()) {
            if (closed) {
                throw new IOException(guard.what() + ": body already closed");
            }
            if (currentChunk != null && currentChunk.hasNext()) {
                current = currentChunk.next();
                continue;
            }
            if (ended) {
                return false;
            }
            long wait;
            try {
                wait = guard.waitNanos(System.nanoTime());
            } catch (RuntimeException stalled) {
                close();
                throw stalled;
            }
            Object next;
            try {
                next = chunks.poll(wait, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new InterruptedIOException(guard.what() + ": interrupted");
            }
            if (next == null || next instanceof List<?>) {
                long bytes = 0;
                if (next != null) {
                    for (Object buffer : (List<?>) next) {
                        bytes += ((ByteBuffer) buffer).remaining();
                    }
                }
                try {
                    guard.arrived(System.nanoTime(), bytes);
                } catch (RuntimeException tooSlow) {
                    close();
                    throw tooSlow;
                }
                if (next == null) {
                    continue;
                }
            }
            if (next == END) {
                ended = true;
            } else if (next instanceof Throwable failure) {
                ended = true;
                throw new IOException(guard.what() + ": " + failure.getMessage(), failure);
            } else {
                @SuppressWarnings("unchecked")
                List<ByteBuffer> buffers = (List<ByteBuffer>) next;
                currentChunk = buffers.iterator();
                subscription.request(1);
            }
        }
        return true;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }

    static String describe(Duration d) {
        return BodyGuard.describe(d);
    }
}

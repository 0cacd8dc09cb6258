package io.berth.shim;

import io.berth.linux.Epoll;
import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * The last few KiB a runtime command writes to its output pipe, read on the event loop as they come, so
 * that neither a chatty command (a full pipe) nor a thread per command is needed. The text is complete
 * at the pipe's end of file; a pipe a leftover child holds open is given up ({@link #abandon()}).
 */
final class PipeTail {
    private static final int KEPT = 4096;
    /** Pipes are read one at a time on the loop thread, so they share one buffer. */
    private static final ThreadLocal<ByteBuffer> READ_BUFFER =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(KEPT));

    private final EventLoop loop;
    private final int fd;
    private final CompletableFuture<String> text = new CompletableFuture<>();
    private final byte[] tail = new byte[KEPT];
    private int kept;
    private long token;
    private boolean closed;

    private PipeTail(EventLoop loop, int fd) {
        this.loop = loop;
        this.fd = fd;
    }

    /** Reads {@code fd} (made non-blocking, and closed at its end) on the loop. */
    static PipeTail read(EventLoop loop, int fd) throws ErrnoException {
        FileDescriptors.setNonBlocking(fd, true);
        PipeTail pipe = new PipeTail(loop, fd);
        pipe.token = loop.register(fd, Epoll.IN, events -> pipe.readSome());
        return pipe;
    }

    /** What the command wrote, its last {@value #KEPT} bytes, once the pipe has ended. */
    CompletableFuture<String> text() {
        return text;
    }

    /** Stops reading and closes the pipe, from any thread; the text so far is what there is. */
    void abandon() {
        loop.execute(this::close);
    }

    private void readSome() {
        ByteBuffer chunk = READ_BUFFER.get();
        int n;
        try {
            n = FileDescriptors.readSome(fd, chunk);
        } catch (ErrnoException e) {
            n = 0;
        }
        if (n < 0) {
            return;
        }
        if (n == 0) {
            close();
            return;
        }
        int keep = Math.min(KEPT - n, kept);
        System.arraycopy(tail, kept - keep, tail, 0, keep);
        chunk.get(tail, keep, n);
        kept = keep + n;
    }

    private void close() {
        if (closed) {
            return;
        }
        closed = true;
        loop.unregister(token, () -> FileDescriptors.closeQuietly(fd));
        text.complete(new String(tail, 0, kept, StandardCharsets.UTF_8));
    }
}

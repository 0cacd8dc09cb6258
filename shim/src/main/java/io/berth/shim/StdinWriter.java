package io.berth.shim;

import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import io.berth.shim.stdio.Frame;
import java.nio.ByteBuffer;

/** Writes client bytes to a process's stdin descriptor; once the process stops reading for good (EPIPE) it drops them. */
final class StdinWriter {
    private final SharedFd stdin;
    /** Allocated at the first write: most containers never get stdin from a client. */
    private ByteBuffer buffer;

    StdinWriter(SharedFd stdin) {
        this.stdin = stdin;
    }

    /** Blocks while the process does not read: the client's writes back up, never the shim's heap. */
    synchronized void write(byte[] data) {
        int fd = stdin.acquire();
        if (fd < 0) {
            return;
        }
        try {
            if (buffer == null) {
                buffer = ByteBuffer.allocateDirect(Frame.MAX_PAYLOAD);
            }
            buffer.clear();
            buffer.put(data, 0, Math.min(data.length, buffer.capacity())).flip();
            FileDescriptors.writeFully(fd, buffer);
        } catch (ErrnoException e) {
            // EPIPE: nobody reads stdin any more; EIO: the terminal hung up. Either way it is over.
            stdin.close();
        } finally {
            stdin.release();
        }
    }
}

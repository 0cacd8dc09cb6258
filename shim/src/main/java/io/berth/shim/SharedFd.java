package io.berth.shim;

import io.berth.linux.FileDescriptors;

/**
 * A descriptor that several threads write to (a process's stdin, a terminal master) and one of them
 * closes. Closing while another thread is inside a write would let the number be reused under it, so
 * the close happens when the last user is done; after {@link #close()} no new use starts.
 */
final class SharedFd {
    private final int fd;
    private int users;
    private boolean closing;
    private boolean closed;

    SharedFd(int fd) {
        this.fd = fd;
    }

    /** Starts a use; -1 when the descriptor is closed or closing. Pair with {@link #release()}. */
    synchronized int acquire() {
        if (closing) {
            return -1;
        }
        users++;
        return fd;
    }

    synchronized void release() {
        users--;
        closeIfUnused();
    }

    synchronized void close() {
        closing = true;
        closeIfUnused();
    }

    synchronized boolean isClosing() {
        return closing;
    }

    private void closeIfUnused() {
        if (closing && users == 0 && !closed) {
            closed = true;
            FileDescriptors.closeQuietly(fd);
        }
    }
}

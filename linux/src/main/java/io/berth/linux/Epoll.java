package io.berth.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An epoll(7) instance: one thread waits for any of many descriptors (pipes, sockets, pidfds, eventfds)
 * to become ready, each registered with a caller-chosen token that comes back with its readiness.
 * Registering and removing may happen from other threads while one waits; the kernel orders them.
 */
public final class Epoll implements AutoCloseable {
    public static final int IN = 0x001;
    public static final int OUT = 0x004;
    public static final int ERR = 0x008;
    public static final int HUP = 0x010;
    public static final int RDHUP = 0x2000;

    // struct epoll_event is packed on x86_64: uint32 events, then uint64 data right after it at offset 4.
    private static final int EVENT_BYTES = 12;
    private static final int DATA_OFFSET = 4;

    private final int fd;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Epoll(int fd) {
        this.fd = fd;
    }

    public static Epoll open() throws ErrnoException {
        try {
            return new Epoll(FdCalls.epoll_create1(FdCalls.O_CLOEXEC));
        } catch (LastErrorException e) {
            throw new ErrnoException("epoll_create1", e.getErrorCode());
        }
    }

    /** Watches {@code fd} for {@code events} (a mask of {@link #IN}, {@link #OUT}, ...), reported with {@code token}. */
    public void add(int fd, int events, long token) throws ErrnoException {
        control(FdCalls.EPOLL_CTL_ADD, "EPOLL_CTL_ADD", fd, events, token);
    }

    /** Replaces the events and token of a descriptor already added. */
    public void modify(int fd, int events, long token) throws ErrnoException {
        control(FdCalls.EPOLL_CTL_MOD, "EPOLL_CTL_MOD", fd, events, token);
    }

    /**
     * Stops watching {@code fd}. A descriptor that was never added, or is already closed (which removed it
     * from the set by itself), is not an error: either way it is no longer watched.
     */
    public void remove(int fd) throws ErrnoException {
        try {
            FdCalls.epoll_ctl(this.fd, FdCalls.EPOLL_CTL_DEL, fd, Pointer.NULL);
        } catch (LastErrorException e) {
            int errno = e.getErrorCode();
            if (errno != ErrnoException.ENOENT && errno != ErrnoException.EBADF) {
                throw new ErrnoException("epoll_ctl(" + fd + ", EPOLL_CTL_DEL)", errno);
            }
        }
    }

    private void control(int op, String opName, int fd, int events, long token) throws ErrnoException {
        try (Memory event = new Memory(EVENT_BYTES)) {
            event.setInt(0, events);
            event.setLong(DATA_OFFSET, token);
            FdCalls.epoll_ctl(this.fd, op, fd, event);
        } catch (LastErrorException e) {
            throw new ErrnoException("epoll_ctl(" + fd + ", " + opName + ")", e.getErrorCode());
        }
    }

    /**
     * Waits until at least one watched descriptor is ready or the timeout passes, and puts what is ready
     * into {@code ready}. Returns how many entries it holds, 0 on timeout. A negative timeout waits
     * forever; 0 only polls. A signal interrupting the wait resumes it for the time that is left.
     */
    public int wait(Ready ready, int timeoutMillis) throws ErrnoException {
        long deadline = timeoutMillis > 0 ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis) : 0;
        int timeout = timeoutMillis;
        while (true) {
            try {
                ready.count = 0;
                ready.count = FdCalls.epoll_wait(fd, ready.events, ready.capacity, timeout);
                return ready.count;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != ErrnoException.EINTR) {
                    throw new ErrnoException("epoll_wait", e.getErrorCode());
                }
                if (timeoutMillis > 0) {
                    long left = deadline - System.nanoTime();
                    // Round up: a wait cut short by a fraction of a millisecond must still wait, not spin.
                    timeout = left <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000);
                }
            }
        }
    }

    /** Closes the epoll descriptor once; the descriptors it watched stay open. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            FileDescriptors.closeQuietly(fd);
        }
    }

    /**
     * What one {@link Epoll#wait} found ready: entries 0 until the count it returned. Reusable across
     * waits, with its native result array allocated once, so a loop waiting over and over allocates
     * nothing. Not for use by two waiting threads at once.
     */
    public static final class Ready {
        private final int capacity;
        private final Memory events;
        private int count;

        /** Room for at most {@code capacity} ready descriptors per wait; more stay queued for the next. */
        public Ready(int capacity) {
            if (capacity <= 0) {
                throw new IllegalArgumentException("capacity must be positive: " + capacity);
            }
            this.capacity = capacity;
            this.events = new Memory((long) capacity * EVENT_BYTES);
        }

        /** The ready events of entry {@code i}, a mask of {@link Epoll#IN}, {@link Epoll#OUT}, ... */
        public int events(int i) {
            return events.getInt((long) Objects.checkIndex(i, count) * EVENT_BYTES);
        }

        /** The token entry {@code i}'s descriptor was added with. */
        public long token(int i) {
            return events.getLong((long) Objects.checkIndex(i, count) * EVENT_BYTES + DATA_OFFSET);
        }
    }
}

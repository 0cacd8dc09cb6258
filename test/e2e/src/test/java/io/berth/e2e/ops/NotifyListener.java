package io.berth.e2e.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.e2e.harness.LoggedProcess;
import io.berth.linux.Epoll;
import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import io.berth.linux.UnixDatagrams;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/** systemd's side of the notify protocol: the datagram socket a unit's NOTIFY_SOCKET names, read by a test. */
final class NotifyListener implements AutoCloseable {
    private final Path path;
    private final int fd;

    private NotifyListener(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    static NotifyListener bind(Path path) {
        try {
            return new NotifyListener(path, UnixDatagrams.bind(path.toString()));
        } catch (ErrnoException e) {
            throw new IllegalStateException("cannot bind a datagram socket at " + path, e);
        }
    }

    /** The value of NOTIFY_SOCKET for a process that should report here. */
    String address() {
        return path.toString();
    }

    /** The next datagram; fails when none comes within {@code timeout} (the message carries the daemon's log). */
    String next(Duration timeout, LoggedProcess sender) {
        try (Epoll epoll = Epoll.open()) {
            epoll.add(fd, Epoll.IN, 0);
            assertThat(epoll.wait(new Epoll.Ready(1), (int) timeout.toMillis()))
                    .as("a datagram within %s; log of pid %d:\n%s", timeout, sender.pid(), sender.logText())
                    .isEqualTo(1);
            ByteBuffer in = ByteBuffer.allocateDirect(4096);
            FileDescriptors.read(fd, in);
            return StandardCharsets.UTF_8.decode(in).toString();
        } catch (ErrnoException e) {
            throw new IllegalStateException("reading the notify socket " + path, e);
        }
    }

    /** Reads datagrams until one contains {@code text} (as a whole line); returns that datagram. */
    String awaitMessageContaining(String text, Duration timeout, LoggedProcess sender) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            Duration left = Duration.between(Instant.now(), deadline);
            String message = next(left.isNegative() ? Duration.ZERO : left, sender);
            if (message.lines().anyMatch(text::equals)) {
                return message;
            }
        }
    }

    @Override
    public void close() {
        FileDescriptors.closeQuietly(fd);
    }
}

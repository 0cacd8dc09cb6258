package io.berth.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class EpollTest {
    @Test
    void aPipeWithDataIsReportedReadableWithItsToken() throws Exception {
        FileDescriptors.Pipe pipe = FileDescriptors.pipe();
        try (Epoll epoll = Epoll.open()) {
            epoll.add(pipe.readEnd(), Epoll.IN, 0x1_0000_0002L);
            Epoll.Ready ready = new Epoll.Ready(8);
            assertThat(epoll.wait(ready, 0)).isZero();

            FileDescriptors.writeFully(pipe.writeEnd(), ByteBuffer.allocateDirect(1).put((byte) 1).flip());

            assertThat(epoll.wait(ready, 5_000)).isEqualTo(1);
            assertThat(ready.events(0) & Epoll.IN).isNotZero();
            assertThat(ready.token(0)).isEqualTo(0x1_0000_0002L);
        } finally {
            FileDescriptors.close(pipe.readEnd());
            FileDescriptors.close(pipe.writeEnd());
        }
    }

    @Test
    void modifyChangesTheEventsAndTokenAndRemoveStopsReports() throws Exception {
        FileDescriptors.Pipe pipe = FileDescriptors.pipe();
        try (Epoll epoll = Epoll.open()) {
            Epoll.Ready ready = new Epoll.Ready(4);
            epoll.add(pipe.writeEnd(), Epoll.IN, 1);
            assertThat(epoll.wait(ready, 0)).isZero();

            epoll.modify(pipe.writeEnd(), Epoll.OUT, -7);
            assertThat(epoll.wait(ready, 5_000)).isEqualTo(1);
            assertThat(ready.events(0)).isEqualTo(Epoll.OUT);
            assertThat(ready.token(0)).isEqualTo(-7);

            epoll.remove(pipe.writeEnd());
            assertThat(epoll.wait(ready, 0)).isZero();
        } finally {
            FileDescriptors.close(pipe.readEnd());
            FileDescriptors.close(pipe.writeEnd());
        }
    }

    @Test
    void aClosedWriteEndIsHangupOnTheReadEnd() throws Exception {
        FileDescriptors.Pipe pipe = FileDescriptors.pipe();
        try (Epoll epoll = Epoll.open()) {
            epoll.add(pipe.readEnd(), Epoll.IN | Epoll.RDHUP, 5);
            FileDescriptors.close(pipe.writeEnd());
            Epoll.Ready ready = new Epoll.Ready(1);
            assertThat(epoll.wait(ready, 5_000)).isEqualTo(1);
            assertThat(ready.events(0) & Epoll.HUP).isNotZero();
        } finally {
            FileDescriptors.close(pipe.readEnd());
        }
    }

    @Test
    void removingWhatWasNeverAddedOrIsClosedIsNotAnError() throws Exception {
        int fd = FileDescriptors.eventfd();
        try (Epoll epoll = Epoll.open()) {
            FileDescriptors.Pipe pipe = FileDescriptors.pipe();
            FileDescriptors.close(pipe.readEnd());
            FileDescriptors.close(pipe.writeEnd());
            epoll.remove(pipe.readEnd());
            epoll.remove(fd);
        } finally {
            FileDescriptors.close(fd);
        }
    }

    @Test
    void addingTwiceIsEexist() throws Exception {
        int efd = FileDescriptors.eventfdNonBlocking();
        try (Epoll epoll = Epoll.open()) {
            epoll.add(efd, Epoll.IN, 1);
            assertThatThrownBy(() -> epoll.add(efd, Epoll.IN, 1)).isInstanceOf(ErrnoException.class)
                    .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(ErrnoException.EEXIST));
        } finally {
            FileDescriptors.close(efd);
        }
    }

    @Test
    void aSignalledEventfdWakesAWaiterFromAnotherThreadAndDrainingQuietsIt() throws Exception {
        int efd = FileDescriptors.eventfdNonBlocking();
        try (Epoll epoll = Epoll.open()) {
            epoll.add(efd, Epoll.IN, 42);
            Epoll.Ready ready = new Epoll.Ready(2);
            Thread signaller = new Thread(() -> {
                try {
                    FileDescriptors.signal(efd);
                } catch (ErrnoException e) {
                    throw new AssertionError(e);
                }
            });
            signaller.start();
            assertThat(epoll.wait(ready, 10_000)).isEqualTo(1);
            signaller.join();
            assertThat(ready.token(0)).isEqualTo(42);

            FileDescriptors.drainEventfd(efd);
            assertThat(epoll.wait(ready, 0)).isZero();
            FileDescriptors.drainEventfd(efd); // nothing to drain: EAGAIN is swallowed
        } finally {
            FileDescriptors.close(efd);
        }
    }

    @Test
    void aReadyHolderOnlyExposesTheEntriesOfTheLastWait() throws Exception {
        try (Epoll epoll = Epoll.open()) {
            Epoll.Ready ready = new Epoll.Ready(4);
            assertThat(epoll.wait(ready, 1)).isZero();
            assertThatThrownBy(() -> ready.events(0)).isInstanceOf(IndexOutOfBoundsException.class);
        }
        assertThatThrownBy(() -> new Epoll.Ready(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void closeIsIdempotent() throws Exception {
        Epoll epoll = Epoll.open();
        epoll.close();
        epoll.close();
    }
}

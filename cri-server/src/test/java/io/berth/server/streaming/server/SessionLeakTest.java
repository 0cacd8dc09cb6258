package io.berth.server.streaming.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.server.config.StreamingConfig;
import io.berth.server.streaming.FakeBackend;
import io.berth.server.streaming.StreamRequest;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * 500 exec sessions (alternating WebSocket and SPDY) against one server: open file descriptors and the heap
 * after a full GC must come back to where they were. The numbers are printed; the bounds are loose on purpose
 * (the test client shares the JVM) but a per-session leak of one fd or ~20 KiB would break them.
 */
class SessionLeakTest {
    static final int SESSIONS = 500;

    @Test
    void fdsAndHeapReturnToBaselineAfter500Sessions() throws Exception {
        FakeBackend backend = new FakeBackend();
        try (StreamingServer server = StreamingServer.start(StreamingConfig.defaults(), backend, new TokenStore())) {
            // Warm up class loading, pools and the client's event loops before the baseline.
            for (int i = 0; i < 20; i++) {
                session(server, i);
            }
            await().until(() -> server.connectionCount() == 0);
            long fdsBefore = openFds();
            long heapBefore = usedHeapAfterGc();
            for (int i = 0; i < SESSIONS; i++) {
                session(server, i);
            }
            await().until(() -> server.connectionCount() == 0);
            await().until(() -> openFds() <= fdsBefore + 10);
            long fdsAfter = openFds();
            long heapAfter = usedHeapAfterGc();
            System.out.printf("%d sessions: fds %d -> %d, heap %d KiB -> %d KiB%n", SESSIONS, fdsBefore, fdsAfter,
                    heapBefore / 1024, heapAfter / 1024);
            assertThat(fdsAfter).isLessThanOrEqualTo(fdsBefore + 10);
            assertThat(heapAfter - heapBefore).isLessThan(10L * 1024 * 1024);
            assertThat(backend.started).hasSize(SESSIONS + 20).allSatisfy(p -> assertThat(p.closed).isTrue());
        }
    }

    private static void session(StreamingServer server, int i) throws Exception {
        String url = server.urlFor(new StreamRequest.Exec(FakeBackend.RUNNING, List.of("cat"), false, true, true,
                false));
        String out = i % 2 == 0 ? StreamingRobustnessTest.viaWebSocket(url, "m" + i)
                : StreamingRobustnessTest.viaSpdy(url, "m" + i);
        assertThat(out).isEqualTo("hello out\nm" + i);
    }

    static long openFds() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    static long usedHeapAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        // A few rounds: one System.gc() does not always collect everything reachable only from finalizers.
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}

package io.berth.e2e.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.e2e.harness.E2eDaemons;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * 500 exec sessions leave nothing behind in berthd or the container's shim: open file descriptors and berthd's
 * live heap return to where they were. The numbers are printed for the record.
 */
class ExecSessionBaselineE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static final int SESSIONS = 500;
    /** Enough to overlap sessions the way a busy node does, few enough for two cores. */
    private static final int CONCURRENT = 4;
    /** The first sessions load classes and fill pools and caches once; the baseline is taken after them. */
    private static final int WARM_UP_SESSIONS = 25;
    private static final long FD_TOLERANCE = 10;
    private static final long HEAP_TOLERANCE_BYTES = 16L * 1024 * 1024;
    private static final Duration SETTLE = Duration.ofSeconds(30);

    private static StreamingTestbed testbed;
    private static BerthdJvm jvm;
    private static String container;

    @BeforeAll
    static void startContainer() throws Exception {
        int metricsPort;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            metricsPort = free.getLocalPort();
        }
        testbed = StreamingTestbed.start(daemons, "bl", "[metrics]\naddress = \"127.0.0.1:" + metricsPort + "\"");
        jvm = new BerthdJvm(testbed.berthd().pid(), metricsPort);
        container = testbed.runSleeper(testbed.runPod("baseline"), "sleeper");
    }

    @AfterAll
    static void removeEverything() {
        if (testbed != null) {
            testbed.close();
        }
    }

    @Test
    void fiveHundredSessionsLeaveBerthdsHeapAndBothProcessesFileDescriptorsAtTheirBaseline() throws Exception {
        HostProcess berthd = new HostProcess(testbed.berthd().pid());
        HostProcess shim = testbed.shim(container);
        runSessions(WARM_UP_SESSIONS);
        jvm.collectGarbage();
        long heapBefore = jvm.heapUsedBytes();
        long fdsBefore = berthd.openFds();
        long shimFdsBefore = shim.openFds();
        long threadsBefore = jvm.threads();

        long started = System.nanoTime();
        runSessions(SESSIONS);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        // Connections and pipes close a moment after the client saw the end; give them that moment.
        await().atMost(SETTLE).until(() -> berthd.openFds() <= fdsBefore + FD_TOLERANCE
                && shim.openFds() <= shimFdsBefore + FD_TOLERANCE);
        await().atMost(SETTLE).until(() -> testbed.processes(container).stream().noneMatch(p -> p.equals("cat")));
        AtomicLong heapAfter = new AtomicLong();
        await().atMost(SETTLE).pollInterval(Duration.ofSeconds(1)).until(() -> {
            jvm.collectGarbage();
            heapAfter.set(jvm.heapUsedBytes());
            return heapAfter.get() <= heapBefore + HEAP_TOLERANCE_BYTES;
        });
        System.out.printf("[streaming e2e] %d exec sessions (%d at a time, all protocols; 10%% abandoned mid-stream,"
                + " 10%% resized 20 times) in %.1f s: berthd live heap"
                + " %.1f MiB -> %.1f MiB, berthd fds %d -> %d, shim fds %d -> %d, berthd threads %d -> %d%n",
                SESSIONS, CONCURRENT, took.toMillis() / 1000.0, mib(heapBefore), mib(heapAfter.get()), fdsBefore,
                berthd.openFds(), shimFdsBefore, shim.openFds(), threadsBefore, jvm.threads());
    }

    /** {@code count} sessions over every protocol variant, {@link #CONCURRENT} at a time; each must end as it should. */
    private static void runSessions(int count) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(CONCURRENT);
        try {
            List<Future<?>> sessions = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int session = i;
                sessions.add(clients.submit(() -> {
                    runSession(session);
                    return null;
                }));
            }
            for (Future<?> session : sessions) {
                session.get();
            }
        } finally {
            clients.shutdownNow();
        }
    }

    /**
     * Mostly {@code true}, the cheapest session there is; one in ten a client that leaves in the middle of a
     * {@code cat}, and one in ten a terminal resized twenty times, because those are the sessions that end on an
     * unusual path. The variant rotates within each kind as well.
     */
    private static void runSession(int i) throws Exception {
        StreamProtocol protocol = StreamProtocol.values()[(i + i / 10) % StreamProtocol.values().length];
        switch (i % 10) {
            case 3 -> {
                try (ExecConnection c = protocol.open(testbed.execUrl(container, Streams.IN_OUT_ERR, "cat"),
                        Streams.IN_OUT_ERR)) {
                    c.stdin("left behind " + i + "\n");
                    c.awaitStdout("left behind " + i + "\n");
                } // gone without ending stdin: berthd and the shim must end the cat
            }
            case 7 -> {
                try (ExecConnection c = protocol.open(testbed.execUrl(container, Streams.TTY_IN_OUT, "sh", "-c",
                        "read line; stty size"), Streams.TTY_IN_OUT)) {
                    for (int k = 1; k <= 20; k++) {
                        c.resize(80 + k, 24 + k);
                    }
                    c.stdin("go\n");
                    c.awaitEnd();
                    // This test counts what sessions leave behind; which resize wins the race with stdin is
                    // ExecE2eTest's business (it waits for each size before the next).
                    assertThat(c.stdout()).as(protocol.toString()).contains("go");
                    assertThat(c.error()).as(protocol.toString()).isEqualTo(StatusJson.SUCCESS);
                }
            }
            default -> {
                try (ExecConnection c = protocol.open(testbed.execUrl(container, Streams.OUT, "true"), Streams.OUT)) {
                    c.awaitEnd();
                    assertThat(c.error()).as(protocol.toString()).isEqualTo(StatusJson.SUCCESS);
                }
            }
        }
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}

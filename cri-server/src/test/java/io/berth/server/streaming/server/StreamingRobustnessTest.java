package io.berth.server.streaming.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.server.config.StreamingConfig;
import io.berth.server.streaming.FakeBackend;
import io.berth.server.streaming.FakeProcess;
import io.berth.server.streaming.MutableClock;
import io.berth.server.streaming.StreamRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Hostile and careless clients: bad tokens, clients that stop reading, leave, idle, flood or crowd. */
class StreamingRobustnessTest {
    FakeBackend backend = new FakeBackend();
    MutableClock clock = new MutableClock();
    StreamingServer server;

    void start(StreamingConfig config) throws Exception {
        server = StreamingServer.start(config, backend, new TokenStore(clock, Duration.ofMinutes(1), 1000));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    String exec(boolean stdin) {
        return server.urlFor(new StreamRequest.Exec(FakeBackend.RUNNING, List.of("cat"), false, stdin, true, false));
    }

    @Test
    void unknownReusedExpiredAndMisroutedTokensAre404AndRunNothing() throws Exception {
        start(StreamingConfig.defaults());
        String url = exec(false);
        try (WsClient first = WsClient.connect(url, "v4.channel.k8s.io")) {
            assertThat(first.protocol()).isEqualTo("v4.channel.k8s.io");
            await().until(() -> backend.started.size() == 1);
        }
        try (WsClient reused = WsClient.connect(url, "v4.channel.k8s.io")) {
            assertThat(reused.rejection().status().code()).isEqualTo(404);
        }
        try (SpdyClient unknown = SpdyClient.connect(server.baseUrl() + "/exec/AAAAAAAAAAAAAAAAAAAAAA",
                "v4.channel.k8s.io")) {
            assertThat(unknown.status().status().code()).isEqualTo(404);
        }
        String expired = exec(false);
        clock.advance(Duration.ofSeconds(61));
        try (SpdyClient c = SpdyClient.connect(expired, "v4.channel.k8s.io")) {
            assertThat(c.status().status().code()).isEqualTo(404);
        }
        String misrouted = exec(false).replace("/exec/", "/attach/");
        try (SpdyClient c = SpdyClient.connect(misrouted, "v4.channel.k8s.io")) {
            assertThat(c.status().status().code()).isEqualTo(404);
        }
        try (SpdyClient c = SpdyClient.connect(server.baseUrl() + "/exec/", "v4.channel.k8s.io")) {
            assertThat(c.status().status().code()).isEqualTo(404);
        }
        assertThat(backend.started).hasSize(1);
    }

    @Test
    void aClientThatStopsReadingStopsTheProcessReads() throws Exception {
        start(StreamingConfig.defaults());
        int chunk = 16 * 1024;
        backend.processes = () -> FakeProcess.endless(chunk);
        try (SpdyClient c = SpdyClient.connect(exec(false), "v4.channel.k8s.io")) {
            c.channel().config().setAutoRead(false);
            c.openAll(List.of("error", "stdout"));
            await().until(() -> !backend.started.isEmpty());
            FakeProcess p = backend.started.get(0);
            awaitReadsStop(p);
            // Kernel socket buffers plus Netty's 64 KiB high-water mark, never the unbounded output.
            long buffered = (long) p.reads.get() * chunk;
            System.out.printf("backpressure: %d reads (%d KiB) before the pump stopped%n", p.reads.get(),
                    buffered / 1024);
            assertThat(buffered).isLessThan(64L * 1024 * 1024);
            int stalled = p.reads.get();
            c.channel().config().setAutoRead(true);
            await().until(() -> p.reads.get() > stalled + 100);
        }
    }

    static void awaitReadsStop(FakeProcess p) {
        int[] last = {-1};
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> {
            int now = p.reads.get();
            boolean same = now == last[0];
            last[0] = now;
            return same && now > 0;
        });
    }

    @Test
    void aClientLeavingMidStreamClosesTheProcessStream() throws Exception {
        start(StreamingConfig.defaults());
        backend.processes = () -> FakeProcess.endless(1024);
        WsClient c = WsClient.connect(exec(true), "v4.channel.k8s.io");
        await().until(() -> !backend.started.isEmpty() && backend.started.get(0).reads.get() > 10);
        c.close();
        await().until(() -> backend.started.get(0).closed.get());
        SpdyClient s = SpdyClient.connect(exec(true), "v4.channel.k8s.io");
        s.openAll(List.of("error", "stdin", "stdout"));
        await().until(() -> backend.started.size() == 2);
        s.close();
        await().until(() -> backend.started.get(1).closed.get());
        await().until(() -> server.connectionCount() == 0);
    }

    @Test
    void anIdleConnectionIsClosedAndItsProcessToo() throws Exception {
        start(StreamingConfig.defaults().withIdleTimeout(Duration.ofMillis(500)));
        try (WsClient c = WsClient.connect(exec(true), "v4.channel.k8s.io")) {
            await().until(() -> !backend.started.isEmpty());
            await().atMost(Duration.ofSeconds(5)).until(() -> !c.channel().isActive());
            await().until(() -> backend.started.get(0).closed.get());
        }
    }

    @Test
    void aResizeFloodIsCoalescedAndTheLastSizeWins() throws Exception {
        start(StreamingConfig.defaults());
        String url = server.urlFor(new StreamRequest.Exec(FakeBackend.RUNNING, List.of("sh"), true, true, true,
                false));
        int sent = 20_000;
        try (WsClient c = WsClient.connect(url, "v4.channel.k8s.io")) {
            for (int i = 1; i <= sent; i++) {
                c.send(4, "{\"Width\":" + (i % 500 + 1) + ",\"Height\":" + i % 60 + "}");
            }
            c.send(4, "{\"Width\":999,\"Height\":99}");
            await().until(() -> !backend.started.isEmpty() && !backend.started.get(0).resizes.isEmpty()
                    && last(backend.started.get(0).resizes)[0] == 999);
            System.out.printf("resize flood: %d sent, %d applied%n", sent + 1, backend.started.get(0).resizes.size());
            assertThat(backend.started.get(0).resizes.size()).isLessThanOrEqualTo(sent + 1);
            assertThat(last(backend.started.get(0).resizes)).containsExactly(999, 99);
        }
    }

    @Test
    void socketsHeldOpenWithoutATokenDoNotLockKubeletOut() throws Exception {
        start(StreamingConfig.defaults());
        java.net.URI base = java.net.URI.create(server.baseUrl());
        List<java.net.Socket> squatters = new ArrayList<>();
        try {
            // More idle connections than the server takes at all: once, these locked kubelet out. Now only
            // MAX_PENDING of them may wait for a token; the oldest are closed as new ones come.
            for (int i = 0; i < StreamingServer.MAX_CONNECTIONS + 20; i++) {
                squatters.add(new java.net.Socket(base.getHost(), base.getPort()));
            }
            await().until(() -> squatters.get(0).getInputStream().read() == -1);
            // kubelet's exec gets through while the squatters still hold sockets.
            assertThat(viaSpdy(exec(true), "through")).isEqualTo("hello out\nthrough");
            assertThat(squatters.get(squatters.size() - 1).isClosed()).isFalse();
        } finally {
            for (java.net.Socket s : squatters) {
                s.close();
            }
        }
    }

    @Test
    void twentyConcurrentSessionsOverBothProtocols() throws Exception {
        start(StreamingConfig.defaults());
        ExecutorService clients = Executors.newFixedThreadPool(20);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int n = i;
                String url = exec(true);
                results.add(clients.submit(() -> n % 2 == 0 ? viaWebSocket(url, "msg-" + n)
                        : viaSpdy(url, "msg-" + n)));
            }
            for (int i = 0; i < 20; i++) {
                assertThat(results.get(i).get()).isEqualTo("hello out\nmsg-" + i);
            }
        } finally {
            clients.shutdownNow();
        }
        assertThat(backend.started).hasSize(20).allSatisfy(p -> assertThat(p.closed).isTrue());
    }

    static String viaWebSocket(String url, String message) throws Exception {
        try (WsClient c = WsClient.connect(url, "v5.channel.k8s.io")) {
            c.send(0, message);
            c.sendRaw(new byte[] {(byte) 255, 0});
            ChannelOutput out = c.readAll();
            assertThat(out.text(3)).isEqualTo(WebSocketExecTest.SUCCESS_JSON);
            return out.text(1);
        }
    }

    static String viaSpdy(String url, String message) throws Exception {
        try (SpdyClient c = SpdyClient.connect(url, "v4.channel.k8s.io")) {
            Map<String, Integer> s = c.openAll(List.of("error", "stdin", "stdout"));
            c.send(s.get("stdin"), message.getBytes(java.nio.charset.StandardCharsets.UTF_8), true);
            c.awaitClosed();
            assertThat(c.text(s.get("error"))).isEqualTo(WebSocketExecTest.SUCCESS_JSON);
            return c.text(s.get("stdout"));
        }
    }

    @Test
    void anInflatedHeaderBombIsRefusedAndTheServerStaysUp() throws Exception {
        start(StreamingConfig.defaults());
        try (SpdyClient c = SpdyClient.connect(exec(false), "v4.channel.k8s.io")) {
            // ~9 MiB of one letter compresses to a few KiB; inflated it is far over the 16 KiB header cap.
            Map<String, String> headers = new java.util.HashMap<>(Map.of("streamtype", "stdout"));
            for (int i = 0; i < 150; i++) {
                headers.put("h" + i, "a".repeat(60_000));
            }
            int bomb = c.open(headers);
            await().until(() -> c.resets.contains(bomb) || c.closed.isDone());
            assertThat(c.replied).doesNotContain(bomb);
        }
        assertThat(viaSpdy(exec(true), "still up")).isEqualTo("hello out\nstill up");
    }

    @Test
    void anOversizedWebSocketFrameEndsTheConnection() throws Exception {
        start(StreamingConfig.defaults());
        try (WsClient c = WsClient.connect(exec(true), "v4.channel.k8s.io")) {
            c.send(0, new byte[1 << 20]);
            await().until(() -> !c.channel().isActive());
        }
        await().until(() -> backend.started.stream().allMatch(p -> p.closed.get()));
    }

    private static int[] last(List<int[]> list) {
        return list.get(list.size() - 1);
    }
}

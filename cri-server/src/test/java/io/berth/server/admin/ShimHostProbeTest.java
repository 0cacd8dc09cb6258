package io.berth.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.admin.v1.ShimHost;
import io.berth.shim.HostDir;
import io.berth.shim.api.HostInfo;
import io.berth.shim.api.Request;
import io.berth.shim.api.Response;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Health asks each shim host who it is, and a host that hangs costs a bounded wait, not a hung Health. */
class ShimHostProbeTest {
    @TempDir
    Path dir;

    @Test
    void aHostAnswersWithItsBuildAndContainers() throws Exception {
        HostDir host = new HostDir(dir);
        try (ServerSocketChannel listening = listen(host.socket())) {
            CompletableFuture<Request> asked = CompletableFuture.supplyAsync(() -> answerOnce(listening,
                    Response.newBuilder().setHostInfo(HostInfo.newBuilder().setPid(77).setGroup("node")
                            .setContainers(3).setBuild("b1")).build()));

            ShimHost described = LiveShimHosts.describe("node", host, Optional.of(77));

            assertThat(asked.get().hasHostInfo()).isTrue();
            assertThat(described).isEqualTo(ShimHost.newBuilder().setGroup("node").setDir(dir.toString()).setAlive(true)
                    .setPid(77).setBuild("b1").setContainers(3).build());
        }
    }

    @Test
    void aHostThatDoesNotAnswerIsReportedAfterTheTimeout() throws Exception {
        Path socket = dir.resolve("host.sock");
        CountDownLatch release = new CountDownLatch(1);
        try (ServerSocketChannel listening = listen(socket)) {
            CompletableFuture.runAsync(() -> {
                try (SocketChannel silent = listening.accept()) {
                    release.await();
                } catch (IOException | InterruptedException e) {
                    // The test is over.
                }
            });

            assertThatThrownBy(() -> ShimHostProbe.ask(socket, Duration.ofMillis(200)))
                    .isInstanceOf(IOException.class).hasMessageContaining("did not answer within 200 ms");
        } finally {
            release.countDown();
        }
    }

    @Test
    void aDeadHostShowsThePidItLeftAndWhy() throws Exception {
        HostDir host = new HostDir(dir);
        Files.writeString(host.pid(), "4242\n");

        ShimHost described = LiveShimHosts.describe("pod-abc", host, Optional.empty());

        assertThat(described.getAlive()).isFalse();
        assertThat(described.getPid()).isEqualTo(4242);
        assertThat(described.getError()).isEqualTo("the host process is gone");
    }

    private static ServerSocketChannel listen(Path socket) throws IOException {
        ServerSocketChannel listening = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listening.bind(UnixDomainSocketAddress.of(socket));
        return listening;
    }

    /** One exchange in the shim protocol's framing: a varint-delimited Request in, a Response out. */
    private static Request answerOnce(ServerSocketChannel listening, Response answer) {
        try (SocketChannel connection = listening.accept()) {
            Request request = Request.parseDelimitedFrom(Channels.newInputStream(connection));
            answer.writeDelimitedTo(Channels.newOutputStream(connection));
            return request;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

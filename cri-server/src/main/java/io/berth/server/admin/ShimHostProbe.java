package io.berth.server.admin;

import com.google.protobuf.CodedInputStream;
import io.berth.shim.api.HostInfo;
import io.berth.shim.api.HostInfoRequest;
import io.berth.shim.api.Request;
import io.berth.shim.api.Response;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Asks one shim host for its HostInfo on its control socket (varint-delimited protobuf, the shim protocol's
 * framing; this request carries no descriptors), giving up after a timeout: closing the channel from the
 * timer thread ends a read that would otherwise wait for a hung host forever.
 */
final class ShimHostProbe {
    /** A HostInfo answer is a few dozen bytes; anything far larger is not one. */
    private static final int MAX_ANSWER_BYTES = 64 * 1024;
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "admin-shim-probe-timer");
        t.setDaemon(true);
        return t;
    });

    private ShimHostProbe() {}

    static HostInfo ask(Path socket, Duration timeout) throws IOException {
        AtomicBoolean timedOut = new AtomicBoolean();
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ScheduledFuture<?> guard = TIMER.schedule(() -> {
                timedOut.set(true);
                closeQuietly(channel);
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
                Request.newBuilder().setHostInfo(HostInfoRequest.getDefaultInstance()).build()
                        .writeDelimitedTo(Channels.newOutputStream(channel));
                Response answer = readAnswer(Channels.newInputStream(channel));
                if (!answer.hasHostInfo()) {
                    throw new IOException("the host at " + socket + " answered without its host info");
                }
                return answer.getHostInfo();
            } catch (IOException e) {
                if (timedOut.get()) {
                    throw new IOException("the host at " + socket + " did not answer within " + timeout.toMillis()
                            + " ms", e);
                }
                throw new IOException("the host at " + socket + " does not answer: " + e.getMessage(), e);
            } finally {
                guard.cancel(false);
            }
        }
    }

    private static Response readAnswer(InputStream in) throws IOException {
        int first = in.read();
        if (first < 0) {
            throw new IOException("the connection closed without an answer");
        }
        int size = CodedInputStream.readRawVarint32(first, in);
        if (size < 0 || size > MAX_ANSWER_BYTES) {
            throw new IOException("an answer of " + size + " bytes is not a host info");
        }
        byte[] body = in.readNBytes(size);
        if (body.length < size) {
            throw new IOException("the connection closed inside the answer");
        }
        return Response.parseFrom(body);
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing is how the wait ends; a failure to close leaves nothing else to do.
        }
    }
}

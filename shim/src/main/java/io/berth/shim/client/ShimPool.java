package io.berth.shim.client;

import io.berth.shim.RunDir;
import io.berth.shim.api.ShimConfig;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * Keeps one spare shim booted and waiting, so that CreateContainer hands a run dir to a JVM that is
 * already up instead of waiting for one to start. Each launch takes the spare and starts the next one.
 * Spares exit by themselves when the berthd that started them goes away.
 */
public final class ShimPool implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ShimPool.class.getName());

    private final Path dir;
    private final LaunchOptions options;
    private final AtomicInteger sequence = new AtomicInteger();
    private Spare spare;
    private boolean closed;

    private record Spare(Process process, Path socket) {}

    public ShimPool(Path dir, LaunchOptions options) throws IOException {
        this.dir = dir;
        this.options = options;
        Files.createDirectories(dir);
        refill();
    }

    /** Like {@link ShimClient#launch}, through the spare when one is ready. */
    public ShimClient launch(ShimConfig config) throws IOException {
        Spare taken = take();
        if (taken == null) {
            return ShimClient.launch(config, options);
        }
        RunDir runDir = ShimClient.prepare(config);
        try {
            assign(taken.socket(), runDir.path());
        } catch (IOException e) {
            LOG.info("spare shim " + taken.process().pid() + " could not be assigned (" + e.getMessage()
                    + "); starting a shim cold");
            taken.process().destroyForcibly();
            return ShimClient.launch(config, options);
        }
        return ShimClient.awaitServing(runDir, taken.process(), config.getId(), options);
    }

    private synchronized Spare take() {
        Spare s = spare;
        spare = null;
        if (s != null && (!s.process().isAlive() || !Files.exists(s.socket()))) {
            // Still booting (no socket yet) or died: a cold start is as fast and surer.
            if (s.process().isAlive()) {
                spare = s;
            }
            s = null;
        }
        refillLater();
        return s;
    }

    private void refillLater() {
        Thread t = new Thread(() -> {
            try {
                refill();
            } catch (IOException e) {
                LOG.warning("cannot start a spare shim: " + e.getMessage());
            }
        }, "spare-shim");
        t.setDaemon(true);
        t.start();
    }

    private synchronized void refill() throws IOException {
        if (closed || spare != null) {
            return;
        }
        Path socket = dir.resolve("spare-" + sequence.incrementAndGet() + ".sock");
        Process p = ShimClient.start(options, dir.resolve("spare.log"), "--spare", socket.toString(),
                Long.toString(ProcessHandle.current().pid()));
        spare = new Spare(p, socket);
    }

    private static void assign(Path socket, Path runDir) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap((runDir + "\n").getBytes(StandardCharsets.UTF_8)));
            ByteBuffer reply = ByteBuffer.allocate(16);
            while (reply.hasRemaining() && ch.read(reply) >= 0) {
                if (reply.position() > 0 && reply.get(reply.position() - 1) == '\n') {
                    break;
                }
            }
            String answer = new String(reply.array(), 0, reply.position(), StandardCharsets.UTF_8).trim();
            if (!answer.equals("ok")) {
                throw new IOException("spare answered '" + answer + "'");
            }
        }
    }

    /** Stops the spare (berthd is shutting down; spares would also notice by themselves). */
    @Override
    public synchronized void close() {
        closed = true;
        if (spare != null) {
            spare.process().destroy();
            spare = null;
        }
    }
}

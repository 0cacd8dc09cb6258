package io.berth.shim;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A shim started before any container needs it. It warms up, then waits on a socket for berthd to send
 * the run dir of the container it is to serve. If berthd goes away first, the spare exits: a spare is
 * never anyone's shim, so nothing is lost. berthd passes its pid, because a berthd that dies while the
 * spare's JVM is still booting has already handed the spare to init by the time the spare could ask
 * who its parent is.
 */
final class SpareShim {
    /** How often the spare checks that the berthd that started it is still there. */
    private static final long PARENT_CHECK_MILLIS = 1000;
    private static final int MAX_PATH_BYTES = 4096;

    private SpareShim() {}

    /** Blocks until assigned; returns the run dir. Exits the process when berthd ({@code berthdPid}) is gone. */
    static Path awaitAssignment(Path socket, long berthdPid) {
        exitIfOrphaned(socket, berthdPid);
        ShimTraining.warmUp();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                Selector selector = Selector.open()) {
            Files.deleteIfExists(socket);
            server.bind(UnixDomainSocketAddress.of(socket));
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            while (true) {
                selector.select(PARENT_CHECK_MILLIS);
                SocketChannel conn = server.accept();
                if (conn != null) {
                    Path runDir = readAssignment(conn);
                    Files.deleteIfExists(socket);
                    redirectLog(runDir);
                    return runDir;
                }
                exitIfOrphaned(socket, berthdPid);
            }
        } catch (IOException e) {
            ShimLog.error("spare shim on " + socket + " failed: " + e);
            System.exit(1);
            return null;
        }
    }

    /**
     * The spare is berthd's child (setsid execs in place); once berthd is gone its parent is init or a
     * subreaper, whatever pid that has, and no berthd can ever assign it.
     */
    private static void exitIfOrphaned(Path socket, long berthdPid) {
        long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        if (parent != berthdPid) {
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                // The socket lives in berthd's state dir; if it cannot go, the next berthd replaces it.
            }
            System.exit(0);
        }
    }

    private static Path readAssignment(SocketChannel conn) throws IOException {
        try (conn) {
            conn.configureBlocking(true);
            ByteBuffer buf = ByteBuffer.allocate(MAX_PATH_BYTES);
            while (buf.hasRemaining() && conn.read(buf) >= 0) {
                if (buf.position() > 0 && buf.get(buf.position() - 1) == '\n') {
                    break;
                }
            }
            String line = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).trim();
            Path runDir = Path.of(line);
            if (!runDir.isAbsolute() || !Files.isDirectory(runDir)) {
                throw new IOException("assignment '" + line + "' is not an existing absolute run dir");
            }
            conn.write(ByteBuffer.wrap("ok\n".getBytes(StandardCharsets.UTF_8)));
            return runDir;
        }
    }

    /** From now on this shim's log belongs with its container, like a cold-started shim's. */
    private static void redirectLog(Path runDir) throws IOException {
        System.setErr(new PrintStream(new FileOutputStream(new RunDir(runDir).shimLog().toFile(), true), true,
                StandardCharsets.UTF_8));
    }
}

package io.berth.e2e.streaming;

import static org.awaitility.Awaitility.await;

import java.time.Duration;

/** One exec or attach session, whatever the protocol under it; what arrived is kept per stream. */
interface ExecConnection extends AutoCloseable {
    /** Long enough for a runc exec on a busy 2-core machine. */
    Duration SESSION_TIMEOUT = Duration.ofSeconds(30);

    void stdin(String text);

    /** EOF on the process's stdin while its output keeps coming; see {@link StreamProtocol#canCloseStdin()}. */
    void closeStdin();

    /** kubectl's TerminalSize JSON on the resize stream. */
    void resize(int width, int height);

    String stdout();

    String stderr();

    /** The error stream: the metav1.Status JSON of how the session ended (v4, v5). */
    String error();

    /** The server closed the session. */
    boolean ended();

    /** Stops taking bytes off the socket, like a client whose user stopped reading. */
    void stopReading();

    /** Waits until stdout holds {@code text}. */
    default void awaitStdout(String text) {
        await().atMost(SESSION_TIMEOUT).until(() -> {
            if (stdout().contains(text)) {
                return true;
            }
            if (ended()) {
                throw new AssertionError("the session ended without '" + text + "' on stdout; stdout: '" + stdout()
                        + "', stderr: '" + stderr() + "', error: '" + error() + "'");
            }
            return false;
        });
    }

    /** Waits for the server to end the session; then every stream is complete. */
    default void awaitEnd() {
        await().atMost(SESSION_TIMEOUT).until(this::ended);
    }

    @Override
    void close();
}

package io.berth.shim.client;

import java.io.IOException;

/**
 * The live stdio of one process in a container, as berthd's streaming server sees it: an exec'd process
 * or the container's own (attach). Output arrives in chunks tagged with their stream; the last item is the
 * exit. Reading is the flow control: a caller that stops reading makes the process block on its output
 * instead of berthd buffering it.
 */
public interface ProcessStream extends AutoCloseable {
    /** Writes to the process's stdin; blocks while the process does not read. */
    void writeStdin(byte[] data, int offset, int length) throws IOException;

    /** Closes the process's stdin (EOF for the process); output keeps flowing. */
    void closeStdin() throws IOException;

    /** Sets the terminal size; only meaningful for a TTY. */
    void resize(int width, int height) throws IOException;

    /** The next chunk of output, or the exit; blocks until one is there. Null after the exit was read. */
    Chunk read() throws IOException;

    /** Detaches: for exec the process is killed if still running; for attach the container runs on. */
    @Override
    void close();

    /** One item from the process: some bytes of stdout or stderr, or its exit code. */
    record Chunk(Kind kind, byte[] data, int exitCode) {
        /** What a chunk carries. */
        public enum Kind {
            STDOUT,
            STDERR,
            EXIT
        }

        public static Chunk exit(int code) {
            return new Chunk(Kind.EXIT, new byte[0], code);
        }
    }
}

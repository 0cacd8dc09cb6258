package io.berth.server.container;

import com.google.protobuf.ByteString;
/**
 * One output stream of an ExecSync command, kept up to a cap. Bytes beyond the cap are counted and
 * dropped, so what the container writes never decides how much of berthd's heap it takes.
 */
final class CappedOutput {
    private final int cap;
    private final ByteString.Output kept = ByteString.newOutput();
    private long total;

    CappedOutput(int cap) {
        this.cap = cap;
    }

    void append(byte[] data) {
        total += data.length;
        int room = cap - kept.size();
        if (room > 0) {
            kept.write(data, 0, Math.min(room, data.length));
        }
    }

    boolean cut() {
        return total > kept.size();
    }

    /** How many bytes the command wrote, kept or not. */
    long total() {
        return total;
    }

    ByteString bytes() {
        return kept.toByteString();
    }
}

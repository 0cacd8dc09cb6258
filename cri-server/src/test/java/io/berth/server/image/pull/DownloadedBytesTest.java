package io.berth.server.image.pull;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.server.image.content.Digest;
import io.berth.server.image.registry.Descriptor;
import org.junit.jupiter.api.Test;

/** Bytes over the network from running per-blob counts that restart when a download moves to another mirror. */
class DownloadedBytesTest {
    @Test
    void countsEachBlobsProgressOnceAndKeepsAnAbandonedAttempt() {
        DownloadedBytes bytes = new DownloadedBytes();
        Descriptor a = blob('a', 300);
        Descriptor b = blob('b', 100);
        bytes.onBytes(a, 100);
        bytes.onBytes(b, 60);
        bytes.onBytes(a, 250);
        bytes.onBytes(a, 40); // the mirror failed; the next host starts from 0
        bytes.onBytes(a, 300);
        bytes.onBytes(b, 100);
        bytes.add(1000);
        assertThat(bytes.total()).isEqualTo(250 + 300 + 100 + 1000);
    }

    private static Descriptor blob(char hex, long size) {
        return new Descriptor("application/octet-stream", Digest.parse("sha256:" + String.valueOf(hex).repeat(64)),
                size);
    }
}

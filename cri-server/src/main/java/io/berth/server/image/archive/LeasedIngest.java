package io.berth.server.image.archive;

import io.berth.common.error.InvalidArgumentException;
import io.berth.server.image.content.BlobInfo;
import io.berth.server.image.content.BlobSink;
import io.berth.server.image.content.BlobSource;
import io.berth.server.image.content.BlobVerificationException;
import io.berth.server.image.content.ContentStore;
import io.berth.server.image.content.Digest;
import io.berth.server.image.reclaim.ImageReclaimer;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The blobs one import puts into the content store, through the store's verifying ingest as a pull's are:
 * each is leased before it is written, so that no reclaim deletes it while the import builds on it, and
 * remembered, so that a failed import deletes again what it brought and nothing else needs.
 */
final class LeasedIngest {
    private static final int COPY_BUFFER_BYTES = 64 * 1024;

    private final ContentStore content;
    private final ImageReclaimer.Lease lease;
    private final List<String> held = new ArrayList<>();

    LeasedIngest(ContentStore content, ImageReclaimer.Lease lease) {
        this.content = content;
        this.lease = lease;
    }

    /**
     * Stores the blob {@code digest} of {@code size} bytes that {@code source} writes, unless the store has
     * it already; the bytes are checked against both before anything is committed. A mismatch is the
     * archive's fault and names {@code member}.
     */
    BlobInfo ingest(Digest digest, long size, String member, BlobSource source) {
        lease.blob(digest);
        held.add(digest.toString());
        try {
            return content.ingest(digest, size, source);
        } catch (BlobVerificationException e) {
            throw new InvalidArgumentException("member " + member + ": " + e.getMessage(), e);
        }
    }

    /** A small stored blob (a manifest, an index, a config), whole. */
    byte[] read(Digest digest, long maxBytes) {
        return content.readAll(digest, maxBytes);
    }

    /** A stored blob as a stream, which the caller closes. */
    InputStream open(Digest digest) {
        return content.read(digest);
    }

    /** Every blob leased so far, for reclaiming what the import leaves unused. */
    List<String> held() {
        return List.copyOf(held);
    }

    /**
     * Copies a member's content into a blob sink. A failure to read is the archive's (truncated, corrupt)
     * and names the member; a failure to write is the store's and stays an IOException.
     */
    static void copy(InputStream member, BlobSink sink, String name) throws IOException {
        byte[] buffer = new byte[COPY_BUFFER_BYTES];
        while (true) {
            int n;
            try {
                n = member.read(buffer);
            } catch (IOException e) {
                throw unreadable(name, e);
            }
            if (n < 0) {
                return;
            }
            sink.write(buffer, 0, n);
        }
    }

    static InvalidArgumentException unreadable(String member, IOException e) {
        return new InvalidArgumentException("member " + member + " cannot be read, the archive is truncated or"
                + " corrupt: " + e.getMessage(), e);
    }
}

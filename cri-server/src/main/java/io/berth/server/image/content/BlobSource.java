package io.berth.server.image.content;

import java.io.IOException;

/**
 * Produces a blob's bytes into the store's ingest sink (for example by copying an HTTP response body).
 * The store hashes, counts and caps what is written; the source only has to write it.
 */
@FunctionalInterface
public interface BlobSource {
    void writeTo(BlobSink sink) throws IOException;
}

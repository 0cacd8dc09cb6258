package io.berth.server.image.content;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Produces a blob's bytes into the store's ingest stream (for example by copying an HTTP response body).
 * The store hashes, counts and caps what is written; the source only has to write it.
 */
@FunctionalInterface
public interface BlobSource {
    void writeTo(OutputStream sink) throws IOException;
}

package io.berth.server.image.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.util.OptionalLong;

/** A successful registry response whose body has not been read yet; close it when done. */
record RegistryResponse(int status, HttpHeaders headers, InputStream body, URI uri) implements AutoCloseable {
    OptionalLong contentLength() {
        return headers.firstValueAsLong("Content-Length");
    }

    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException ignored) {
            // both bodies close without failing; nothing else is held
        }
    }
}

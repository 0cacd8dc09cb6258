package io.berth.server.image.registry;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.util.OptionalLong;

/** A successful registry response whose body has not been read yet; close it when done. */
record RegistryResponse(int status, HttpHeaders headers, StallGuardedBody body, URI uri) implements AutoCloseable {
    OptionalLong contentLength() {
        return headers.firstValueAsLong("Content-Length");
    }

    @Override
    public void close() {
        body.close();
    }
}

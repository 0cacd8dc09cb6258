package io.berth.server.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.common.error.BerthException;
import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.NotFoundException;
import io.berth.common.error.PermissionDeniedException;
import io.berth.common.error.UnavailableException;
import io.berth.common.json.Mappers;
import io.berth.common.validate.Require;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns an unsuccessful registry response into the typed error a person can act on: naming what was
 * asked for, the host that answered, the HTTP status, and what the registry said (the distribution spec's
 * {@code errors[].code/message}, or an excerpt of the body).
 */
final class RegistryErrors {
    private static final int MAX_EXCERPT_BYTES = 4096;

    private RegistryErrors() {}

    static BerthException forStatus(int status, InputStream body, String what, String host) {
        String said = excerpt(body);
        String detail = "HTTP " + status + (said.isEmpty() ? "" : ": " + said);
        if (status == 401) {
            return new PermissionDeniedException("registry " + host + " refused access to " + what + " (" + detail
                    + "); check the image pull credentials");
        }
        if (status == 403) {
            return new PermissionDeniedException("registry " + host + " forbids access to " + what + " (" + detail + ")");
        }
        if (status == 404) {
            return new NotFoundException(what + " not found in registry " + host + " (" + detail + ")");
        }
        if (status == 429) {
            return new UnavailableException("registry " + host + " is rate-limiting requests for " + what + " ("
                    + detail + "); try again later");
        }
        if (status >= 500) {
            return new UnavailableException("registry " + host + " failed to serve " + what + " (" + detail + ")");
        }
        return new FailedPreconditionException("registry " + host + " answered the request for " + what
                + " with an unexpected status (" + detail + ")");
    }

    /** What the registry said, short and printable. Never fails: an unreadable body gives "". */
    static String excerpt(InputStream body) {
        byte[] bytes;
        try (InputStream in = body) {
            bytes = in.readNBytes(MAX_EXCERPT_BYTES);
        } catch (IOException | RuntimeException e) {
            return "";
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        try {
            JsonNode errors = Mappers.plain().readTree(text).get("errors");
            if (errors != null && errors.isArray() && !errors.isEmpty()) {
                JsonNode first = errors.get(0);
                String code = first.path("code").asText("");
                String message = first.path("message").asText("");
                return Require.printable((code + (code.isEmpty() || message.isEmpty() ? "" : ": ") + message).strip());
            }
        } catch (IOException | RuntimeException e) {
            // not the spec's error body; fall through to the raw excerpt
        }
        return Require.printable(text.strip());
    }
}

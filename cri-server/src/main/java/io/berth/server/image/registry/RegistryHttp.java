package io.berth.server.image.registry;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.PermissionDeniedException;
import io.berth.common.error.UnavailableException;
import io.berth.common.validate.Require;
import io.berth.server.image.hosts.RegistryHost;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Sends one GET to a registry host: authorization (retrying once after a 401 challenge), redirects
 * (followed here, not by the JDK client, so that credentials and configured headers never leave the
 * registry's host and an https request is never downgraded to http), stall-guarded bodies, and typed
 * errors for every unsuccessful status.
 */
final class RegistryHttp {
    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);

    private final TlsContexts tls;
    private final RegistryAuthenticator authenticator;
    private final RegistrySettings settings;
    private final SocketHttp socketHttp;

    RegistryHttp(TlsContexts tls, RegistryAuthenticator authenticator, RegistrySettings settings,
            SocketHttp socketHttp) {
        this.tls = tls;
        this.authenticator = authenticator;
        this.settings = settings;
        this.socketHttp = socketHttp;
    }

    /** A 2xx response for {@code uri}, or the typed error for what went wrong; {@code what} names it in messages. */
    RegistryResponse get(RegistryHost host, URI uri, String accept, RepositoryAccess access, String what) {
        Optional<String> authorization = authenticator.cachedAuthorization(host, access);
        RegistryResponse response = exchange(host, uri, accept, authorization, what);
        if (response.status() == 401 && !sameOrigin(response.uri(), host.url())) {
            // A redirect target asks for credentials: they are the registry's, never another host's to have.
            response.close();
            throw new PermissionDeniedException("registry " + host.authority() + " redirected the request for " + what
                    + " to " + response.uri().getRawAuthority() + ", which asked for credentials; berth answers only"
                    + " the registry's own challenges");
        }
        if (response.status() == 401) {
            List<AuthChallenge> challenges =
                    AuthChallenge.parse(response.headers().allValues("WWW-Authenticate"));
            String body = RegistryErrors.excerpt(response.body());
            if (challenges.isEmpty()) {
                throw new PermissionDeniedException("registry " + host.authority() + " refused access to " + what
                        + " (HTTP 401" + (body.isEmpty() ? "" : ": " + body) + ") without saying how to authenticate");
            }
            Optional<String> retry = authenticator.authorize(host, challenges, access, what);
            if (retry.isEmpty() || retry.equals(authorization)) {
                throw RegistryErrors.forStatus(401, InputStream.nullInputStream(), what, host.authority());
            }
            response = exchange(host, uri, accept, retry, what);
        }
        if (response.status() / 100 != 2) {
            throw RegistryErrors.forStatus(response.status(), response.body(), what, host.authority());
        }
        return response;
    }

    private RegistryResponse exchange(RegistryHost host, URI start, String accept, Optional<String> authorization,
            String what) {
        URI current = start;
        for (int hop = 0; ; hop++) {
            boolean onRegistry = sameOrigin(current, host.url());
            List<Map.Entry<String, String>> headers = headers(host, accept,
                    onRegistry ? authorization : Optional.empty(), onRegistry);
            RegistryResponse response;
            try {
                response = socketHttp.send("GET", current, headers, null, tls.forRequest(host, onRegistry),
                        what + " from " + current.getRawAuthority());
            } catch (IOException e) {
                throw new UnavailableException("cannot reach registry " + current.getRawAuthority() + " for " + what
                        + ": " + describe(e), e);
            }
            if (!REDIRECTS.contains(response.status())) {
                return response;
            }
            response.close();
            if (hop >= settings.maxRedirects()) {
                throw new UnavailableException("registry " + host.authority() + " redirected the request for " + what
                        + " more than " + settings.maxRedirects() + " times");
            }
            current = redirectTarget(current, response.headers().firstValue("Location"), what);
        }
    }

    /** The request's headers, each checked: configured ones only for the registry's own host. */
    private static List<Map.Entry<String, String>> headers(RegistryHost host, String accept,
            Optional<String> authorization, boolean onRegistry) {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        try {
            if (accept != null) {
                add(headers, "Accept", accept);
            }
            if (onRegistry) {
                for (Map.Entry<String, List<String>> header : host.headers().entrySet()) {
                    for (String value : header.getValue()) {
                        add(headers, header.getKey(), value);
                    }
                }
            }
            if (authorization.isPresent()) {
                add(headers, "Authorization", authorization.get());
            }
        } catch (IllegalArgumentException e) {
            throw new FailedPreconditionException("cannot send the configured headers to registry " + host.authority()
                    + ": " + e.getMessage() + " (check 'header' in its hosts.toml)", e);
        }
        return headers;
    }

    private static void add(List<Map.Entry<String, String>> headers, String name, String value) {
        SocketHttp.checkHeader(name, value);
        headers.add(Map.entry(name, value));
    }

    private static URI redirectTarget(URI from, Optional<String> location, String what) {
        if (location.isEmpty() || location.get().isBlank()) {
            throw new UnavailableException("registry " + from.getRawAuthority() + " redirected the request for " + what
                    + " without a Location");
        }
        URI target;
        try {
            target = from.resolve(location.get().trim());
        } catch (IllegalArgumentException e) {
            throw new UnavailableException("registry " + from.getRawAuthority() + " redirected the request for " + what
                    + " to an invalid location '" + Require.printable(location.get()) + "'");
        }
        String scheme = target.getScheme();
        if (!"https".equals(scheme) && !"http".equals(scheme) || target.getHost() == null) {
            throw new UnavailableException("registry " + from.getRawAuthority() + " redirected the request for " + what
                    + " to an unsupported location '" + Require.printable(location.get()) + "'");
        }
        if ("https".equals(from.getScheme()) && "http".equals(scheme)) {
            throw new UnavailableException("registry " + from.getRawAuthority() + " redirected the request for " + what
                    + " from https to plain http (" + target.getRawAuthority() + "); refusing the downgrade");
        }
        return target;
    }

    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getRawAuthority().equalsIgnoreCase(b.getRawAuthority());
    }

    static String describe(IOException e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : " " + Require.printable(message));
    }
}

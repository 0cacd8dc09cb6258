package io.berth.server.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.common.error.DeadlineExceededException;
import io.berth.common.error.PermissionDeniedException;
import io.berth.common.error.UnavailableException;
import io.berth.common.json.Mappers;
import io.berth.common.validate.Require;
import io.berth.server.image.hosts.HostsConfig;
import io.berth.server.image.hosts.RegistryHost;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Answers registry auth challenges: Basic with the caller's username and password, Bearer through the
 * docker token spec (GET with Basic credentials or anonymously; POST with {@code grant_type=refresh_token}
 * for an identity token), or the caller's registry token as is. Bearer tokens are cached per host, scope
 * and credentials until shortly before they expire.
 *
 * <p>A token service on another host than the registry receives credentials, so it is contacted only over
 * https, or over http when that host is declared plain-http in the hosts config.
 */
final class RegistryAuthenticator {
    private static final long MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;
    private static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofSeconds(60);
    private static final Pattern HEADER_SAFE = Pattern.compile("[\\x21-\\x7e]+");

    private record CacheKey(String registry, String scope, String identity) {}

    private record CachedToken(String authorization, Instant expires) {}

    /** A token request: GET with the query in {@code uri}, or POST with a form {@code body}. */
    private record TokenRequest(String method, URI uri, List<Map.Entry<String, String>> headers, byte[] body) {}

    private final TlsContexts tls;
    private final SocketHttp socketHttp;
    private final HostsConfig hostsConfig;
    private final RegistrySettings settings;
    private final Map<CacheKey, CachedToken> tokens = new ConcurrentHashMap<>();
    private final Map<CacheKey, String> basicHosts = new ConcurrentHashMap<>();

    RegistryAuthenticator(TlsContexts tls, SocketHttp socketHttp, HostsConfig hostsConfig, RegistrySettings settings) {
        this.tls = tls;
        this.socketHttp = socketHttp;
        this.hostsConfig = hostsConfig;
        this.settings = settings;
    }

    /** What to send before any challenge: the caller's registry token, or what worked before for this scope. */
    Optional<String> cachedAuthorization(RegistryHost host, RepositoryAccess access) {
        RegistryCredentials credentials = credentialsFor(host, access);
        if (!credentials.registryToken().isEmpty()) {
            return Optional.of("Bearer " + credentials.registryToken());
        }
        CacheKey key = new CacheKey(host.authority(), access.scope(), credentials.identity());
        CachedToken token = tokens.get(key);
        if (token != null && settings.clock().instant().isBefore(token.expires())) {
            return Optional.of(token.authorization());
        }
        tokens.remove(key, token);
        return Optional.ofNullable(basicHosts.get(new CacheKey(host.authority(), "", credentials.identity())));
    }

    /** The authorization answering one of {@code challenges}, or empty when none can be answered. */
    Optional<String> authorize(RegistryHost host, List<AuthChallenge> challenges, RepositoryAccess access, String what) {
        RegistryCredentials credentials = credentialsFor(host, access);
        for (AuthChallenge challenge : challenges) {
            if (challenge.scheme().equals("bearer")) {
                if (!credentials.registryToken().isEmpty()) {
                    return Optional.empty();
                }
                return Optional.of(bearer(host, challenge, access, credentials, what));
            }
        }
        for (AuthChallenge challenge : challenges) {
            if (challenge.scheme().equals("basic")) {
                if (!credentials.hasPassword()) {
                    throw new PermissionDeniedException("registry " + host.authority() + " requires a username and"
                            + " password for " + what + " but none were given; add an image pull secret");
                }
                String basic = basic(credentials);
                basicHosts.put(new CacheKey(host.authority(), "", credentials.identity()), basic);
                return Optional.of(basic);
            }
        }
        return Optional.empty();
    }

    private String bearer(RegistryHost host, AuthChallenge challenge, RepositoryAccess access,
            RegistryCredentials credentials, String what) {
        URI realm = checkedRealm(host, challenge.parameter("realm"), what);
        String service = challenge.parameter("service");
        // The registry's own scope when it offers one; ours when it does not.
        String scope = challenge.parameter("scope").isEmpty() ? access.scope() : challenge.parameter("scope");
        TokenRequest request = tokenRequest(realm, service, scope, credentials);
        Instant requested = settings.clock().instant();
        JsonNode json;
        try (RegistryResponse response = send(request, realm, host, what)) {
            json = tokenJson(response, realm, credentials, what);
        }
        String token = json.path("token").asText("");
        if (token.isEmpty()) {
            token = json.path("access_token").asText("");
        }
        if (token.isEmpty() || !HEADER_SAFE.matcher(token).matches()) {
            throw new UnavailableException("token service " + realm.getRawAuthority() + " sent no usable token for "
                    + what);
        }
        long seconds = json.path("expires_in").canConvertToLong() ? json.path("expires_in").asLong() : 0;
        Duration lifetime = seconds >= DEFAULT_TOKEN_LIFETIME.toSeconds() ? Duration.ofSeconds(Math.min(seconds, 86_400))
                : DEFAULT_TOKEN_LIFETIME;
        String authorization = "Bearer " + token;
        // Renew a little early so a token does not expire between being taken from the cache and being used.
        Instant expires = requested.plus(lifetime.minus(lifetime.dividedBy(10)));
        tokens.put(new CacheKey(host.authority(), access.scope(), credentials.identity()),
                new CachedToken(authorization, expires));
        return authorization;
    }

    private RegistryResponse send(TokenRequest request, URI realm, RegistryHost host, String what) {
        try {
            return socketHttp.send(request.method(), request.uri(), request.headers(), request.body(),
                    tls.forRequest(host, RegistryHttp.sameOrigin(realm, host.url())),
                    "token from " + realm.getRawAuthority());
        } catch (IOException e) {
            throw new UnavailableException("cannot reach token service " + realm.getRawAuthority() + " for " + what
                    + ": " + RegistryHttp.describe(e), e);
        }
    }

    private static JsonNode tokenJson(RegistryResponse response, URI realm, RegistryCredentials credentials,
            String what) {
        int status = response.status();
        if (status != 200) {
            String said = RegistryErrors.excerpt(response.body());
            String detail = "HTTP " + status + (said.isEmpty() ? "" : ": " + said);
            if (status == 401 || status == 403) {
                throw new PermissionDeniedException("token service " + realm.getRawAuthority() + " refused "
                        + credentials + " for " + what + " (" + detail + ")");
            }
            throw new UnavailableException("token service " + realm.getRawAuthority() + " failed for " + what + " ("
                    + detail + ")");
        }
        return readTokenResponse(response.body(), realm, what);
    }

    private static TokenRequest tokenRequest(URI realm, String service, String scope,
            RegistryCredentials credentials) {
        if (!credentials.identityToken().isEmpty()) {
            String form = "grant_type=refresh_token&client_id=berth&refresh_token=" + encode(credentials.identityToken())
                    + (service.isEmpty() ? "" : "&service=" + encode(service))
                    + "&scope=" + encode(scope);
            return new TokenRequest("POST", realm,
                    List.of(Map.entry("Content-Type", "application/x-www-form-urlencoded")),
                    form.getBytes(StandardCharsets.US_ASCII));
        }
        String query = (service.isEmpty() ? "" : "service=" + encode(service) + "&") + "scope=" + encode(scope);
        String separator = realm.getRawQuery() == null ? "?" : "&";
        URI uri = URI.create(realm + separator + query);
        return new TokenRequest("GET", uri, credentials.hasPassword()
                ? List.of(Map.entry("Authorization", basic(credentials))) : List.of(), null);
    }

    private URI checkedRealm(RegistryHost host, String realmText, String what) {
        URI realm;
        try {
            realm = new URI(realmText);
        } catch (URISyntaxException e) {
            realm = null;
        }
        if (realm == null || realm.getHost() == null
                || !("https".equals(realm.getScheme()) || "http".equals(realm.getScheme()))) {
            throw new UnavailableException("registry " + host.authority() + " named an invalid token service realm '"
                    + Require.printable(realmText) + "' for " + what);
        }
        if ("http".equals(realm.getScheme()) && !RegistryHttp.sameOrigin(realm, host.url())
                && !hostsConfig.allowsPlainHttp(realm.getRawAuthority())) {
            throw new PermissionDeniedException("registry " + host.authority() + " sent " + what
                    + " to token service " + realm + " over plain http on another host; refusing to send credentials"
                    + " there. Use an https realm, or declare " + realm.getRawAuthority() + " plain-http in its"
                    + " hosts.toml (server = \"http://" + realm.getRawAuthority() + "\")");
        }
        return realm;
    }

    private static JsonNode readTokenResponse(InputStream body, URI realm, String what) {
        try (InputStream in = body) {
            byte[] bytes = in.readNBytes((int) MAX_TOKEN_RESPONSE_BYTES + 1);
            if (bytes.length > MAX_TOKEN_RESPONSE_BYTES) {
                throw new UnavailableException("token service " + realm.getRawAuthority() + " sent more than "
                        + MAX_TOKEN_RESPONSE_BYTES + " bytes for " + what);
            }
            JsonNode json = Mappers.plain().readTree(bytes);
            if (json == null || !json.isObject()) {
                throw new IOException("not a JSON object");
            }
            return json;
        } catch (IOException e) {
            throw new UnavailableException("token service " + realm.getRawAuthority() + " sent an unreadable token"
                    + " response for " + what + ": " + RegistryHttp.describe(e), e);
        }
    }

    private static RegistryCredentials credentialsFor(RegistryHost host, RepositoryAccess access) {
        RegistryCredentials credentials = access.credentials();
        return credentials.appliesTo(host.authority()) ? credentials : RegistryCredentials.ANONYMOUS;
    }

    private static String basic(RegistryCredentials credentials) {
        return "Basic " + Base64.getEncoder().encodeToString(
                (credentials.username() + ":" + credentials.password()).getBytes(StandardCharsets.UTF_8));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}

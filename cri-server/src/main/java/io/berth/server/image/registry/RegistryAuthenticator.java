package io.berth.server.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.error.DeadlineExceededException;
import io.berth.common.error.PermissionDeniedException;
import io.berth.common.error.UnavailableException;
import io.berth.common.validate.Require;
import io.berth.server.image.hosts.HostsConfig;
import io.berth.server.image.hosts.RegistryHost;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
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
    private static final ObjectMapper JSON = new ObjectMapper();

    private record CacheKey(String registry, String scope, String identity) {}

    private record CachedToken(String authorization, Instant expires) {}

    private final HttpClients clients;
    private final HostsConfig hostsConfig;
    private final RegistrySettings settings;
    private final Map<CacheKey, CachedToken> tokens = new ConcurrentHashMap<>();
    private final Map<CacheKey, String> basicHosts = new ConcurrentHashMap<>();

    RegistryAuthenticator(HttpClients clients, HostsConfig hostsConfig, RegistrySettings settings) {
        this.clients = clients;
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
        HttpRequest request = tokenRequest(realm, service, scope, credentials, host);
        HttpClient client = RegistryHttp.sameOrigin(realm, host.url()) ? clients.forHost(host) : clients.system();
        Instant requested = settings.clock().instant();
        HttpResponse<Flow.Publisher<List<ByteBuffer>>> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofPublisher());
        } catch (HttpTimeoutException e) {
            throw new DeadlineExceededException("token service " + realm.getRawAuthority() + " did not answer within "
                    + StallGuardedBody.describe(settings.stallTimeout()), e);
        } catch (IOException e) {
            throw new UnavailableException("cannot reach token service " + realm.getRawAuthority() + " for " + what
                    + ": " + RegistryHttp.describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while getting a token for " + what, e);
        }
        StallGuardedBody body = new StallGuardedBody(settings.stallTimeout(), "token from " + realm.getRawAuthority());
        response.body().subscribe(body);
        int status = response.statusCode();
        if (status != 200) {
            String said = RegistryErrors.excerpt(body);
            String detail = "HTTP " + status + (said.isEmpty() ? "" : ": " + said);
            if (status == 401 || status == 403) {
                throw new PermissionDeniedException("token service " + realm.getRawAuthority() + " refused "
                        + credentials + " for " + what + " (" + detail + ")");
            }
            throw new UnavailableException("token service " + realm.getRawAuthority() + " failed for " + what + " ("
                    + detail + ")");
        }
        JsonNode json = readTokenResponse(body, realm, what);
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

    private HttpRequest tokenRequest(URI realm, String service, String scope, RegistryCredentials credentials,
            RegistryHost host) {
        HttpRequest.Builder builder = HttpRequest.newBuilder().timeout(settings.stallTimeout());
        if ("http".equals(realm.getScheme())) {
            builder.version(HttpClient.Version.HTTP_1_1);
        }
        if (!credentials.identityToken().isEmpty()) {
            String form = "grant_type=refresh_token&client_id=berth&refresh_token=" + encode(credentials.identityToken())
                    + (service.isEmpty() ? "" : "&service=" + encode(service))
                    + "&scope=" + encode(scope);
            return builder.uri(realm).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        }
        String query = (service.isEmpty() ? "" : "service=" + encode(service) + "&") + "scope=" + encode(scope);
        String separator = realm.getRawQuery() == null ? "?" : "&";
        builder.uri(URI.create(realm + separator + query)).GET();
        if (credentials.hasPassword()) {
            builder.header("Authorization", basic(credentials));
        }
        return builder.build();
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
            JsonNode json = JSON.readTree(bytes);
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

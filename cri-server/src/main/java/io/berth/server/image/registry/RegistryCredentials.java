package io.berth.server.image.registry;

import io.berth.common.error.InvalidArgumentException;
import io.berth.cri.v1.AuthConfig;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * Credentials a caller gives for one pull (the CRI {@code AuthConfig}), already decoded. Empty strings mean
 * "not given". {@code toString} never prints a secret.
 *
 * @param serverAddress when set, the credentials are only sent to that registry host
 * @param identityToken an OAuth2 refresh token for the token service (docker's "identity token")
 * @param registryToken a bearer token sent to the registry as is
 */
public record RegistryCredentials(String username, String password, String serverAddress, String identityToken,
        String registryToken) {
    public static final RegistryCredentials ANONYMOUS = new RegistryCredentials("", "", "", "", "");

    public RegistryCredentials {
        username = nullToEmpty(username);
        password = nullToEmpty(password);
        serverAddress = nullToEmpty(serverAddress);
        identityToken = nullToEmpty(identityToken);
        registryToken = nullToEmpty(registryToken);
    }

    /** Decodes a CRI AuthConfig; {@code auth} (base64 "user:pass") fills username and password. */
    public static RegistryCredentials fromCri(AuthConfig auth) {
        String username = auth.getUsername();
        String password = auth.getPassword();
        if (!auth.getAuth().isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.getAuth().trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new InvalidArgumentException("auth.auth is not valid base64 (expected base64 of \"user:password\")");
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw new InvalidArgumentException("auth.auth does not decode to \"user:password\"");
            }
            username = decoded.substring(0, colon);
            password = decoded.substring(colon + 1);
        }
        return new RegistryCredentials(username, password, auth.getServerAddress(), auth.getIdentityToken(),
                auth.getRegistryToken());
    }

    public boolean hasPassword() {
        return !username.isEmpty() || !password.isEmpty();
    }

    public boolean isAnonymous() {
        return !hasPassword() && identityToken.isEmpty() && registryToken.isEmpty();
    }

    /**
     * Whether these credentials may be sent to {@code authority}. Like containerd: credentials without a
     * server address go to every host of the pull; with one, only to that host (Docker Hub's aliases
     * counting as one host).
     */
    public boolean appliesTo(String authority) {
        if (serverAddress.isEmpty()) {
            return true;
        }
        String address = serverAddress.contains("://") ? URI.create(serverAddress).getRawAuthority() : serverAddress;
        int slash = address == null ? -1 : address.indexOf('/');
        if (slash >= 0) {
            address = address.substring(0, slash);
        }
        return address != null && canonicalHost(address).equals(canonicalHost(authority));
    }

    private static String canonicalHost(String authority) {
        String host = authority.toLowerCase(Locale.ROOT);
        return switch (host) {
            case "docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com" -> "docker.io";
            default -> host;
        };
    }

    /** Distinguishes cached tokens obtained with different credentials, without keeping the secret in a key. */
    String identity() {
        return username + "\0" + Integer.toHexString((password + "\0" + identityToken + "\0" + registryToken).hashCode());
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }

    @Override
    public String toString() {
        return isAnonymous() ? "anonymous" : "credentials for user '" + username + "'";
    }
}

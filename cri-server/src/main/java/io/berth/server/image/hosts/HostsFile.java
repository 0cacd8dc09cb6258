package io.berth.server.image.hosts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.berth.common.error.FailedPreconditionException;
import io.berth.common.validate.Require;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One parsed {@code hosts.toml} in containerd's format: the mirrors ({@code [host."<url>"]} sections, in
 * file order) and the optional upstream {@code server}. Paths in the file are relative to its directory.
 * Keys berth does not implement ({@code client}, {@code proxy}, {@code dial_timeout}) are logged and ignored
 * rather than refused, so a file written for containerd still works for what berth does support.
 */
public record HostsFile(List<RegistryHost> mirrors, Optional<RegistryHost> server) {
    private static final System.Logger LOG = System.getLogger(HostsFile.class.getName());
    private static final TomlMapper TOML = new TomlMapper();
    private static final Set<String> KNOWN_KEYS =
            Set.of("server", "host", "capabilities", "skip_verify", "ca", "header", "override_path");
    private static final Set<String> IGNORED_KEYS = Set.of("client", "proxy", "dial_timeout");

    public HostsFile {
        mirrors = List.copyOf(mirrors);
    }

    /**
     * Parses file content. {@code source} names the file in error messages; {@code baseDir} resolves
     * relative {@code ca} paths.
     */
    public static HostsFile parse(String toml, Path baseDir, String source) {
        JsonNode root;
        try {
            root = TOML.readTree(toml);
        } catch (IOException e) {
            throw invalid(source, "not valid TOML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            return new HostsFile(List.of(), Optional.empty());
        }
        warnAboutUnknownKeys(root, source, "top level");
        Optional<RegistryHost> server = Optional.empty();
        if (root.has("server")) {
            URI url = parseUrl(text(root.get("server"), source, "server"), source);
            server = Optional.of(hostFrom(url, root, baseDir, source, false));
        }
        List<RegistryHost> mirrors = new ArrayList<>();
        JsonNode hosts = root.get("host");
        if (hosts != null) {
            if (!hosts.isObject()) {
                throw invalid(source, "'host' must be a table of [host.\"<url>\"] sections");
            }
            for (Map.Entry<String, JsonNode> entry : hosts.properties()) {
                if (!entry.getValue().isObject()) {
                    throw invalid(source, "host \"" + entry.getKey() + "\" must be a table");
                }
                warnAboutUnknownKeys(entry.getValue(), source, "host \"" + entry.getKey() + "\"");
                URI url = parseUrl(entry.getKey(), source);
                mirrors.add(hostFrom(url, entry.getValue(), baseDir, source, true));
            }
        }
        return new HostsFile(mirrors, server);
    }

    private static RegistryHost hostFrom(URI url, JsonNode table, Path baseDir, String source, boolean mirror) {
        Set<Capability> capabilities = EnumSet.allOf(Capability.class);
        JsonNode caps = table.get("capabilities");
        if (caps != null) {
            capabilities = EnumSet.noneOf(Capability.class);
            for (String name : strings(caps, source, "capabilities")) {
                try {
                    capabilities.add(Capability.parse(name));
                } catch (IllegalArgumentException e) {
                    throw invalid(source, e.getMessage());
                }
            }
        }
        boolean skipVerify = bool(table.get("skip_verify"), source, "skip_verify");
        boolean overridePath = bool(table.get("override_path"), source, "override_path");
        List<Path> caFiles = new ArrayList<>();
        if (table.has("ca")) {
            for (String ca : strings(table.get("ca"), source, "ca")) {
                caFiles.add(baseDir.resolve(ca));
            }
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        JsonNode header = table.get("header");
        if (header != null) {
            if (!header.isObject()) {
                throw invalid(source, "'header' must be a table");
            }
            header.properties().forEach(e -> headers.put(e.getKey(), strings(e.getValue(), source, "header " + e.getKey())));
        }
        return new RegistryHost(url, capabilities, skipVerify, caFiles, headers, overridePath, mirror);
    }

    /** A URL with http or https scheme (https when none is written), docker.io meaning its API host. */
    static URI parseUrl(String text, String source) {
        String withScheme = text.contains("://") ? text : "https://" + text;
        URI url;
        try {
            url = new URI(withScheme);
        } catch (URISyntaxException e) {
            throw invalid(source, "'" + Require.printable(text) + "' is not a URL: " + e.getReason());
        }
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
            throw invalid(source, "'" + Require.printable(text) + "' must start with http:// or https://");
        }
        if (url.getHost() == null || url.getRawQuery() != null || url.getRawFragment() != null) {
            throw invalid(source, "'" + Require.printable(text) + "' must have a host and no query or fragment");
        }
        if (url.getHost().equals("docker.io")) {
            return URI.create(url.getScheme() + "://registry-1.docker.io" + (url.getRawPath() == null ? "" : url.getRawPath()));
        }
        return url;
    }

    private static List<String> strings(JsonNode node, String source, String key) {
        if (node.isTextual()) {
            return List.of(node.asText());
        }
        if (node.isArray()) {
            List<String> values = new ArrayList<>();
            for (JsonNode item : node) {
                values.add(text(item, source, key));
            }
            return values;
        }
        throw invalid(source, "'" + key + "' must be a string or a list of strings");
    }

    private static String text(JsonNode node, String source, String key) {
        if (!node.isTextual()) {
            throw invalid(source, "'" + key + "' must be a string");
        }
        return node.asText();
    }

    private static boolean bool(JsonNode node, String source, String key) {
        if (node == null) {
            return false;
        }
        if (!node.isBoolean()) {
            throw invalid(source, "'" + key + "' must be true or false");
        }
        return node.asBoolean();
    }

    private static void warnAboutUnknownKeys(JsonNode table, String source, String where) {
        table.fieldNames().forEachRemaining(key -> {
            if (IGNORED_KEYS.contains(key)) {
                LOG.log(System.Logger.Level.WARNING, source + ": '" + key + "' (" + where + ") is not supported by berth and is ignored");
            } else if (!KNOWN_KEYS.contains(key)) {
                LOG.log(System.Logger.Level.WARNING, source + ": unknown key '" + key + "' (" + where + ") is ignored");
            }
        });
    }

    private static FailedPreconditionException invalid(String source, String problem) {
        return new FailedPreconditionException("registry hosts config " + source + " is invalid: " + problem);
    }
}

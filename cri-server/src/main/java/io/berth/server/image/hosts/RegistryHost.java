package io.berth.server.image.hosts;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One place to send distribution API requests for a registry namespace: a mirror from a
 * {@code [host."..."]} section, or the upstream {@code server}.
 *
 * @param url          scheme, host, port and optional path prefix, e.g. {@code https://mirror.example/us}
 * @param capabilities what this host may be asked to do
 * @param skipVerify   accept any TLS certificate (hosts.toml {@code skip_verify})
 * @param caFiles      extra PEM CA files trusted for this host, besides the system roots
 * @param headers      extra headers sent with every request to this host
 * @param overridePath the URL path already is the API root; do not append {@code /v2}
 * @param mirror       whether this host stands in for another registry (then {@code ns=} is added)
 */
public record RegistryHost(
        URI url,
        Set<Capability> capabilities,
        boolean skipVerify,
        List<Path> caFiles,
        Map<String, List<String>> headers,
        boolean overridePath,
        boolean mirror) {

    public RegistryHost {
        capabilities = Set.copyOf(capabilities);
        caFiles = List.copyOf(caFiles);
        headers = Map.copyOf(headers);
    }

    /** An upstream with the defaults containerd uses when nothing is configured. */
    public static RegistryHost upstream(URI url) {
        return new RegistryHost(url, Set.of(Capability.PULL, Capability.RESOLVE, Capability.PUSH), false,
                List.of(), Map.of(), false, false);
    }

    public boolean can(Capability capability) {
        return capabilities.contains(capability);
    }

    public boolean plainHttp() {
        return "http".equals(url.getScheme());
    }

    /** {@code host[:port]} as it appears in the URL. */
    public String authority() {
        return url.getRawAuthority();
    }

    /** The base that {@code /<name>/manifests/...} and {@code /<name>/blobs/...} are appended to. */
    public String apiRoot() {
        String path = url.getRawPath() == null ? "" : url.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (!overridePath && !path.endsWith("/v2")) {
            path = path + "/v2";
        }
        return url.getScheme() + "://" + url.getRawAuthority() + path;
    }
}

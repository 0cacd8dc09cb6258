package io.berth.server.image.hosts;

import io.berth.common.error.InternalException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Per-registry hosts from {@code <config_dir>/certs.d/<namespace>/hosts.toml}. Files are read on every
 * lookup, as containerd does, so editing them needs no daemon restart; they are tiny and pulls are rare.
 */
public final class HostsConfig {
    public static final Path DEFAULT_CONFIG_DIR = Path.of("/etc/berth");
    private static final String DEFAULT_NAMESPACE = "_default";
    private static final String DOCKER_HUB = "docker.io";
    private static final String DOCKER_HUB_API = "registry-1.docker.io";

    private final Path certsDir;

    /** @param configDir the berth config dir; host files live under its {@code certs.d/} */
    public HostsConfig(Path configDir) {
        this.certsDir = configDir.resolve("certs.d");
    }

    /**
     * Where to send requests for images of {@code namespace} (an image reference's domain, e.g.
     * {@code docker.io}, {@code 127.0.0.1:5000}): the configured mirrors in file order, then the upstream.
     */
    public List<RegistryHost> hostsFor(String namespace) {
        Optional<HostsFile> file = fileFor(namespace, true);
        List<RegistryHost> hosts = new ArrayList<>();
        file.ifPresent(f -> hosts.addAll(f.mirrors()));
        hosts.add(file.flatMap(HostsFile::server).orElseGet(() -> RegistryHost.upstream(defaultUpstream(namespace))));
        return hosts;
    }

    /**
     * Whether the operator declared {@code authority} (host[:port]) reachable over plain HTTP, by a
     * {@code http://} server or host entry in that host's own file. Used before sending credentials to a
     * token service on another host: that must be TLS unless someone said otherwise.
     */
    public boolean allowsPlainHttp(String authority) {
        return fileFor(authority, false).stream()
                .flatMap(f -> {
                    List<RegistryHost> all = new ArrayList<>(f.mirrors());
                    f.server().ifPresent(all::add);
                    return all.stream();
                })
                .anyMatch(h -> h.plainHttp() && authority.equalsIgnoreCase(h.authority()));
    }

    /**
     * The endpoint used when nothing is configured: Docker Hub's API host for docker.io, plain HTTP for
     * loopback registries (what containerd and Docker do for a local registry), HTTPS for everything else.
     */
    static URI defaultUpstream(String namespace) {
        if (namespace.equals(DOCKER_HUB)) {
            return URI.create("https://" + DOCKER_HUB_API);
        }
        return URI.create((isLoopback(namespace) ? "http://" : "https://") + namespace);
    }

    static boolean isLoopback(String authority) {
        String host = authority;
        if (host.startsWith("[")) {
            host = host.substring(1, Math.max(1, host.indexOf(']')));
        } else if (host.indexOf(':') >= 0) {
            host = host.substring(0, host.indexOf(':'));
        }
        return host.equals("localhost") || host.equals("::1") || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }

    private Optional<HostsFile> fileFor(String namespace, boolean withDefault) {
        List<String> candidates = new ArrayList<>();
        if (namespace.indexOf(':') >= 0 && !namespace.startsWith("[")) {
            candidates.add(namespace.replace(':', '_') + "_");
        }
        candidates.add(namespace);
        if (withDefault) {
            candidates.add(DEFAULT_NAMESPACE);
        }
        for (String candidate : candidates) {
            if (candidate.contains("/") || candidate.equals("..") || candidate.equals(".")) {
                continue;
            }
            Path dir = certsDir.resolve(candidate);
            Path file = dir.resolve("hosts.toml");
            try {
                String toml = Files.readString(file, StandardCharsets.UTF_8);
                return Optional.of(HostsFile.parse(toml, dir, file.toString()));
            } catch (NoSuchFileException e) {
                // try the next candidate
            } catch (IOException e) {
                throw new InternalException("cannot read registry hosts config " + file + ": " + e.getMessage(), e);
            }
        }
        return Optional.empty();
    }
}

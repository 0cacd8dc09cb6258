package io.berth.e2e.images;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A berthd registry config dir with containerd-style {@code certs.d/<host>/hosts.toml} files, and the
 * config.toml lines that point berthd at it.
 */
public final class RegistryHosts {
    private final Path dir;

    public RegistryHosts(Path dir) {
        this.dir = dir;
    }

    /** Declares {@code host} (host:port) a plain-HTTP registry, as an operator would for a local one. */
    public RegistryHosts plainHttp(String host) {
        try {
            Path file = dir.resolve("certs.d").resolve(host).resolve("hosts.toml");
            Files.createDirectories(file.getParent());
            Files.writeString(file, "server = \"http://" + host + "\"\n\n[host.\"http://" + host + "\"]\n"
                    + "  capabilities = [\"pull\", \"resolve\"]\n");
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The berthd config: this registry dir plus any further {@code [image]} lines. */
    public String config(String... imageLines) {
        return "[image]\nregistry_config_dir = \"" + dir + "\"\n" + String.join("\n", imageLines) + "\n";
    }
}

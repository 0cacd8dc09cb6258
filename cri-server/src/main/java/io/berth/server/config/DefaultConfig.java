package io.berth.server.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The commented config.toml that {@code berthd config default} prints: every key at its default, each with what
 * it does. Tests hold it to {@link ConfigLoader#defaults()} and to {@link ConfigSchema#keys()}.
 */
public final class DefaultConfig {
    private static final String RESOURCE = "default-config.toml";

    private DefaultConfig() {}

    public static String text() {
        try (InputStream in = DefaultConfig.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing beside " + DefaultConfig.class.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

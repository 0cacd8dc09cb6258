package io.berth.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Facts stamped into the jar at build time. */
public final class BuildInfo {
    private static final String VERSION = load().getProperty("version", "unknown");

    private BuildInfo() {}

    public static String version() {
        return VERSION;
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }
}

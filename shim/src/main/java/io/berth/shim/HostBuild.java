package io.berth.shim;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Names the build a JVM runs: a digest of its classpath's entries (path, size, modification time). A
 * berthd that finds a shim host of another build, as after installing a new berth, upgrades it in place.
 */
public final class HostBuild {
    private HostBuild() {}

    public static String of(String classpath) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        for (String entry : classpath.split(File.pathSeparator)) {
            Path path = Path.of(entry).toAbsolutePath();
            String stamp = path.toString();
            try {
                BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class);
                stamp += "\0" + attrs.size() + "\0" + attrs.lastModifiedTime().toMillis();
            } catch (IOException missing) {
                stamp += "\0missing";
            }
            digest.update((stamp + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(digest.digest(), 0, 12);
    }

    /** This JVM's build. */
    public static String current() {
        return of(System.getProperty("java.class.path"));
    }
}

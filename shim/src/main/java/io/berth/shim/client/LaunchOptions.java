package io.berth.shim.client;

import java.time.Duration;
import java.util.List;

/**
 * How a shim JVM is started. The defaults keep a shim small: a 32 MiB heap that starts at 4 MiB, Serial
 * GC, one C1 compiler thread and a small code cache (a shim does little work, so fast start beats peak
 * speed), small thread stacks and no perf-data file. Measured on Debian 12 / JDK 17: an idle shim is
 * about 35-38 MB PSS (48 MB RSS); without -Xms4m and the compiler limits it was about 45 MB PSS.
 */
public record LaunchOptions(String javaBinary, String classpath, List<String> jvmOptions, Duration startTimeout) {
    public static final List<String> SMALL_JVM = List.of("-Xmx32m", "-Xms4m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1", "-XX:ReservedCodeCacheSize=8m", "-Xss256k",
            "-XX:-UsePerfData");

    /** The running JVM's own java binary and classpath. */
    public static LaunchOptions defaults() {
        String java = ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + "/bin/java");
        String classpath = System.getProperty("java.class.path");
        List<String> jvm = new java.util.ArrayList<>(SMALL_JVM);
        classDataArchive(classpath).ifPresent(a -> jvm.add("-XX:SharedArchiveFile=" + a));
        return new LaunchOptions(java, classpath, List.copyOf(jvm), Duration.ofSeconds(30));
    }

    /** The archive file the build writes beside the jars of the packaged daemon. */
    public static final String CDS_ARCHIVE = "berth-shim.jsa";

    /**
     * The class-data archive made at build time for exactly this classpath, if it is there. With it a
     * shim maps its classes instead of loading them; the JVM ignores an archive that does not match.
     */
    static java.util.Optional<java.nio.file.Path> classDataArchive(String classpath) {
        for (String entry : classpath.split(java.io.File.pathSeparator)) {
            java.nio.file.Path parent = java.nio.file.Path.of(entry).toAbsolutePath().getParent();
            if (parent != null && java.nio.file.Files.isRegularFile(parent.resolve(CDS_ARCHIVE))) {
                return java.util.Optional.of(parent.resolve(CDS_ARCHIVE));
            }
        }
        return java.util.Optional.empty();
    }

    public LaunchOptions withClasspath(String classpath) {
        return new LaunchOptions(javaBinary, classpath, jvmOptions, startTimeout);
    }

    public LaunchOptions withJvmOptions(List<String> options) {
        return new LaunchOptions(javaBinary, classpath, List.copyOf(options), startTimeout);
    }
}

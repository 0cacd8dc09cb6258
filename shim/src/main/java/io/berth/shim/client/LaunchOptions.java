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
        return new LaunchOptions(java, System.getProperty("java.class.path"), SMALL_JVM, Duration.ofSeconds(30));
    }

    public LaunchOptions withClasspath(String classpath) {
        return new LaunchOptions(javaBinary, classpath, jvmOptions, startTimeout);
    }

    public LaunchOptions withJvmOptions(List<String> options) {
        return new LaunchOptions(javaBinary, classpath, List.copyOf(options), startTimeout);
    }
}

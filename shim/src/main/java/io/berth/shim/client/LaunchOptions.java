package io.berth.shim.client;

import java.time.Duration;
import java.util.List;

/**
 * How a shim JVM is started. The defaults keep a shim small: a 32 MiB heap, Serial GC, C1 only (a shim
 * does little work, so fast start beats peak speed), small thread stacks and no perf-data file.
 */
public record LaunchOptions(String javaBinary, String classpath, List<String> jvmOptions, Duration startTimeout) {
    public static final List<String> SMALL_JVM = List.of("-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Xss256k", "-XX:-UsePerfData");

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

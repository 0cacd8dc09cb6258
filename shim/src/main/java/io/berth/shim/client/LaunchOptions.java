package io.berth.shim.client;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a shim host JVM is started. The defaults keep a host small: Serial GC, C1 only with one compiler
 * thread and a small code cache (a host does little work per container, so fast start beats peak speed),
 * small thread stacks, no perf-data file, and the build's class-data archive mapped where it was dumped
 * ({@code ArchiveRelocationMode=0}): this JDK relocates archives by default, which makes about 12 MiB of
 * them private pages in every JVM; unrelocated, hosts share them. glibc's heap is trimmed every second, so what a
 * burst of starts left free goes back to the system. JNA gets an empty platform library path: the host loads only
 * libc, by its soname, and JNA would otherwise run {@code ldconfig -p} at start to build a path it never uses. The
 * README's shim host section has the measurements behind each choice.
 */
public record LaunchOptions(String javaBinary, String classpath, List<String> jvmOptions, Duration startTimeout,
        Optional<HostCgroup> hostCgroup) {
    public static final List<String> SMALL_JVM = List.of("-Xmx64m", "-Xms8m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1", "-XX:ReservedCodeCacheSize=16m", "-Xss256k",
            "-XX:-UsePerfData", "-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0",
            "-XX:+UnlockExperimentalVMOptions", "-XX:TrimNativeHeapInterval=1000", "-Djna.platform.library.path=");

    private static final String JNA_BOOT_PATH = "jna.boot.library.path";

    /** The archive file the build writes beside the jars of the packaged daemon. */
    public static final String CDS_ARCHIVE = "berth-shim.jsa";

    /** The running JVM's own java binary and classpath. */
    public static LaunchOptions defaults() {
        String java = ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + "/bin/java");
        String classpath = System.getProperty("java.class.path");
        List<String> jvm = new ArrayList<>(SMALL_JVM);
        classDataArchive(classpath).ifPresent(a -> jvm.add("-XX:SharedArchiveFile=" + a));
        // Where berthd's launcher found JNA's native library as a file: the host loads it from there too.
        String jnaBoot = System.getProperty(JNA_BOOT_PATH);
        if (jnaBoot != null && !jnaBoot.isEmpty()) {
            jvm.add("-D" + JNA_BOOT_PATH + "=" + jnaBoot);
        }
        return new LaunchOptions(java, classpath, List.copyOf(jvm), Duration.ofSeconds(30), Optional.empty());
    }

    /**
     * The class-data archive made at build time for exactly this classpath, if it is there. With it a
     * host maps its classes instead of loading them; the JVM ignores an archive that does not match.
     */
    static Optional<Path> classDataArchive(String classpath) {
        for (String entry : classpath.split(File.pathSeparator)) {
            Path parent = Path.of(entry).toAbsolutePath().getParent();
            if (parent != null && Files.isRegularFile(parent.resolve(CDS_ARCHIVE))) {
                return Optional.of(parent.resolve(CDS_ARCHIVE));
            }
        }
        return Optional.empty();
    }

    public LaunchOptions withClasspath(String classpath) {
        return new LaunchOptions(javaBinary, classpath, jvmOptions, startTimeout, hostCgroup);
    }

    public LaunchOptions withJvmOptions(List<String> options) {
        return new LaunchOptions(javaBinary, classpath, List.copyOf(options), startTimeout, hostCgroup);
    }

    public LaunchOptions withHostCgroup(HostCgroup cgroup) {
        return new LaunchOptions(javaBinary, classpath, jvmOptions, startTimeout, Optional.of(cgroup));
    }
}

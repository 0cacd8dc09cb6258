package io.berth.e2e.ops;

import io.berth.e2e.harness.CommandResult;
import io.berth.e2e.harness.E2eSettings;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * scripts/install.sh and scripts/uninstall.sh as an operator runs them, against the dist this build packaged:
 * into a staging root (DESTDIR) and into a prefix of its own, never into this machine's /usr or /etc.
 */
class InstallScriptE2eTest {
    private static final String PREFIX = "/opt/berth";
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

    @TempDir
    Path temp;

    private Path dist;
    private Path scripts;
    private Path destdir;

    @BeforeEach
    void locate() throws IOException {
        dist = E2eSettings.berthdLauncher().getParent().getParent();
        scripts = dist.resolve("../../../scripts").normalize();
        destdir = Files.createDirectory(temp.resolve("stage"));
    }

    @Test
    void aStagedInstallLaysOutTheDistUnderThePrefixAndListsAllOfIt() throws IOException {
        CommandResult install = script("install.sh", staged(), "--no-deps", "--no-build");

        assertThat(install.exitCode()).as("%s", install).isZero();
        assertThat(install.stdout().lines()).allMatch(line -> line.startsWith("install: "));
        Path prefix = staged(PREFIX);
        try (Stream<Path> jars = Files.list(dist.resolve("lib"))) {
            for (Path jar : jars.filter(j -> j.toString().endsWith(".jar")).toList()) {
                Path installed = prefix.resolve("lib/berth").resolve(jar.getFileName());
                assertThat(installed).hasSameBinaryContentAs(jar);
                assertThat(mode(installed)).isEqualTo("rw-r--r--");
            }
        }
        // The build's class-data archive names the build's paths; a staged install cannot make one for its own.
        assertThat(prefix.resolve("lib/berth/berth-shim.jsa")).doesNotExist();
        assertThat(prefix.resolve("lib/berth/berthd.jsa")).doesNotExist();
        assertThat(mode(prefix.resolve("bin/berthd"))).isEqualTo("rwxr-xr-x");
        assertThat(prefix.resolve("share/berth/seccomp/default.json"))
                .hasSameBinaryContentAs(dist.resolve("seccomp/default.json"));
        assertThat(mode(staged("/etc/berth/config.toml"))).isEqualTo("rw-r--r--");
        assertThat(mode(prefix.resolve("lib"))).isEqualTo("rwxr-xr-x");

        Path unit = prefix.resolve("lib/systemd/system/berth.service");
        assertThat(mode(unit)).isEqualTo("rw-r--r--");
        List<String> installedUnit = Files.readAllLines(unit);
        List<String> distUnit = Files.readAllLines(dist.resolve("systemd/berth.service"));
        assertThat(installedUnit).contains("ExecStart=" + PREFIX + "/bin/berthd --config /etc/berth/config.toml",
                "Type=notify", "KillMode=process", "Delegate=yes");
        assertThat(installedUnit.stream().filter(line -> !distUnit.contains(line)))
                .as("only ExecStart differs from the dist's unit").singleElement()
                .satisfies(line -> assertThat(line).startsWith("ExecStart="));

        assertThat(manifestPaths()).isEqualTo(everythingUnder(destdir));
    }

    @Test
    void theInstalledLauncherRunsBerthdFromTheInstalledJars() throws IOException {
        script("install.sh", staged(), "--no-deps", "--no-build");
        // The installed lib/ holds no jars of its own: only a launcher that looks in lib/berth/ gets as far as this.
        CommandResult version = run(List.of(staged(PREFIX + "/bin/berthd").toString(), "--version"), Map.of());

        assertThat(version.exitCode()).as("%s", version).isZero();
        assertThat(version.stdout().strip()).matches("berthd \\S+");
    }

    @Test
    void aSecondInstallKeepsAChangedConfigAndUninstallLeavesOnlyThat() throws IOException {
        script("install.sh", staged(), "--no-deps", "--no-build");
        Path config = staged("/etc/berth/config.toml");
        String changed = Files.readString(config) + "log_level = \"debug\"\n";
        Files.writeString(config, changed);

        CommandResult again = script("install.sh", staged(), "--no-deps", "--no-build");
        assertThat(again.exitCode()).as("%s", again).isZero();
        assertThat(config).hasContent(changed);
        CommandResult uninstall = script("uninstall.sh", staged());

        assertThat(uninstall.exitCode()).as("%s", uninstall).isZero();
        assertThat(uninstall.stdout()).contains("kept " + config, "/var/lib/berth", "/run/berth");
        assertThat(everythingUnder(destdir)).containsExactly("/etc", "/etc/berth", "/etc/berth/config.toml");
        assertThat(config).hasContent(changed);
    }

    @Test
    void uninstallAfterAnInstallWithNothingChangedLeavesTheStageEmpty() throws IOException {
        script("install.sh", staged(), "--no-deps", "--no-build");

        CommandResult uninstall = script("uninstall.sh", staged());

        assertThat(uninstall.exitCode()).as("%s", uninstall).isZero();
        assertThat(everythingUnder(destdir)).isEmpty();
    }

    @Test
    void uninstallKeepsWhatTheInstallDidNotCreate() throws IOException {
        Path ownConfig = Files.createDirectories(staged("/etc/berth")).resolve("config.toml");
        Files.writeString(ownConfig, "# the operator's\n");
        Path neighbour = Files.createDirectories(staged(PREFIX + "/bin")).resolve("kubelet");
        Files.writeString(neighbour, "#!/bin/sh\n");
        script("install.sh", staged(), "--no-deps", "--no-build");

        script("uninstall.sh", staged());

        assertThat(everythingUnder(destdir)).containsExactly("/etc", "/etc/berth", "/etc/berth/config.toml", "/opt",
                "/opt/berth", "/opt/berth/bin", "/opt/berth/bin/kubelet");
        assertThat(ownConfig).hasContent("# the operator's");
    }

    @Test
    void anUpgradeRemovesTheFilesOfThePreviousVersionThatTheNewOneLacks() throws IOException {
        script("install.sh", staged(), "--no-deps", "--no-build");
        Path manifest = staged(PREFIX + "/lib/berth/install-manifest");
        Path oldJar = staged(PREFIX + "/lib/berth/grpc-core-0.9.jar");
        Files.writeString(oldJar, "an older version");
        Files.writeString(manifest, "file " + PREFIX + "/lib/berth/grpc-core-0.9.jar\n",
                StandardOpenOption.APPEND);

        CommandResult upgrade = script("install.sh", staged(), "--no-deps", "--no-build");

        assertThat(upgrade.exitCode()).as("%s", upgrade).isZero();
        assertThat(oldJar).doesNotExist();
        assertThat(Files.readString(manifest)).doesNotContain("grpc-core-0.9.jar");
    }

    @Test
    void anInstallInPlaceMakesTheClassDataArchivesForTheInstalledJars() throws IOException {
        Path prefix = temp.resolve("usr");
        Map<String, String> env = Map.of("PREFIX", prefix.toString(), "SYSCONFDIR", temp.resolve("etc").toString());

        CommandResult install = script("install.sh", env, "--no-deps", "--no-build");

        assertThat(install.exitCode()).as("%s", install).isZero();
        Path lib = prefix.resolve("lib/berth");
        // -Xshare:on turns an archive the JVM would quietly ignore (one made for other paths) into an error.
        for (String archive : List.of("berth-shim.jsa", "berthd.jsa")) {
            CommandResult jvm = run(List.of(JAVA.toString(), "-Xshare:on",
                    "-XX:SharedArchiveFile=" + lib.resolve(archive), "-XX:+UseSerialGC", "-cp", lib + "/*",
                    "-version"), Map.of());
            assertThat(jvm.exitCode()).as("%s: %s", archive, jvm).isZero();
        }
        assertThat(script("uninstall.sh", Map.of("PREFIX", prefix.toString())).exitCode()).isZero();
        assertThat(prefix).doesNotExist();
    }

    @Test
    void bothScriptsExplainThemselvesAndRefuseUnknownArguments() {
        for (String name : List.of("install.sh", "uninstall.sh")) {
            CommandResult help = script(name, staged(), "--help");
            assertThat(help.exitCode()).as("%s", help).isZero();
            assertThat(help.stdout()).contains("Usage: scripts/" + name, "PREFIX", "DESTDIR");

            CommandResult wrong = script(name, staged(), "--bogus");
            assertThat(wrong.exitCode()).as("%s", wrong).isEqualTo(2);
            assertThat(wrong.stderr()).contains("--bogus");
        }
        assertThat(everythingUnder(destdir)).isEmpty();
    }

    private Map<String, String> staged() {
        return Map.of("DESTDIR", destdir.toString(), "PREFIX", PREFIX);
    }

    private Path staged(String absolute) {
        return destdir.resolve(absolute.substring(1));
    }

    private CommandResult script(String name, Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of(scripts.resolve(name).toString()));
        command.addAll(List.of(args));
        return run(command, env);
    }

    /** Runs to completion with {@code env} over a copy of ours without the install variables; java is ours. */
    private CommandResult run(List<String> command, Map<String, String> env) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(temp.resolve("stdout").toFile())
                .redirectError(temp.resolve("stderr").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Map<String, String> environment = builder.environment();
        environment.keySet().removeAll(Set.of("PREFIX", "DESTDIR", "SYSCONFDIR"));
        environment.put("BERTH_JAVA", JAVA.toString());
        environment.putAll(env);
        try {
            Process process = builder.start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not finish within 120 s");
            }
            return new CommandResult(command, process.exitValue(), Files.readString(temp.resolve("stdout")),
                    Files.readString(temp.resolve("stderr")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        }
    }

    /** Every entry of the manifest by the path it names, as the stage holds it. */
    private Set<String> manifestPaths() throws IOException {
        return Files.readAllLines(staged(PREFIX + "/lib/berth/install-manifest")).stream()
                .filter(line -> !line.startsWith("#"))
                .map(line -> line.substring(line.lastIndexOf(' ') + 1))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** Every file and directory below {@code root}, as the absolute path it stands for. */
    private static Set<String> everythingUnder(Path root) {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(path -> !path.equals(root))
                    .map(path -> "/" + root.relativize(path))
                    .collect(Collectors.toCollection(TreeSet::new));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}

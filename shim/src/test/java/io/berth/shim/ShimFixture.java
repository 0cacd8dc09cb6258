package io.berth.shim;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.linux.ChildProcesses;
import io.berth.linux.ErrnoException;
import io.berth.linux.Posix;
import io.berth.linux.ShimMounts;
import io.berth.shim.api.Mount;
import io.berth.shim.api.ShimConfig;
import io.berth.shim.client.LaunchOptions;
import io.berth.shim.client.ShimClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One container's worth of test setup in a temp dir: a busybox rootfs source (bind-mounted by the shim),
 * an OCI bundle whose config.json this writes, a run dir and a private runc root. {@link #close()} removes
 * whatever a test left: the runc container, the shim process, the rootfs mount, the test cgroup.
 */
final class ShimFixture implements AutoCloseable {
    static final List<String> BUSYBOX_TOOLS = List.of("sh", "echo", "sleep", "stty", "head", "tr", "printf", "cat");
    private static final Pattern LOG_LINE = Pattern.compile(
            "(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d{1,9})?Z) (stdout|stderr) ([PF]) (.*)", Pattern.DOTALL);

    record LogEntry(String time, String stream, String tag, String content) {}

    final String id = "berth-shim-test-" + UUID.randomUUID().toString().substring(0, 8);
    final Path dir;
    final Path rootfsSource;
    final Path bundle;
    final Path runDir;
    final Path runcRoot;
    final Path log;
    /** The OCI runtime spec; tests edit it before {@link #launch}. */
    final Map<String, Object> spec;
    private final List<ShimClient> clients = new ArrayList<>();
    private String cgroup;

    ShimFixture(Path dir, String... args) throws IOException {
        this.dir = dir;
        rootfsSource = dir.resolve("rootfs-src");
        bundle = dir.resolve("bundle");
        runDir = dir.resolve("run");
        runcRoot = dir.resolve("runc");
        log = dir.resolve("logs").resolve("container.log");
        Files.createDirectories(rootfsSource.resolve("bin"));
        Files.createDirectories(bundle);
        Files.createDirectories(log.getParent());
        Files.copy(Path.of("/bin/busybox"), rootfsSource.resolve("bin/busybox"));
        for (String tool : BUSYBOX_TOOLS) {
            Files.createSymbolicLink(rootfsSource.resolve("bin").resolve(tool), Path.of("busybox"));
        }
        // The rootfs is mounted read-only, so every mount point runc needs must exist beforehand.
        for (String mountPoint : List.of("proc", "dev", "sys", "tmp")) {
            Files.createDirectories(rootfsSource.resolve(mountPoint));
        }
        spec = defaultSpec(List.of(args));
    }

    private static Map<String, Object> defaultSpec(List<String> args) {
        Map<String, Object> process = new LinkedHashMap<>();
        process.put("terminal", false);
        process.put("user", Map.of("uid", 0, "gid", 0));
        process.put("args", args);
        process.put("env", List.of("PATH=/bin", "TERM=xterm"));
        process.put("cwd", "/");
        process.put("noNewPrivileges", true);
        Map<String, Object> linux = new LinkedHashMap<>();
        linux.put("namespaces", new ArrayList<>(List.of(Map.of("type", "pid"), Map.of("type", "ipc"),
                Map.of("type", "uts"), Map.of("type", "mount"))));
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("ociVersion", "1.0.2");
        spec.put("process", process);
        spec.put("root", Map.of("path", "rootfs", "readonly", true));
        spec.put("hostname", "berth-test");
        spec.put("mounts", List.of(
                Map.of("destination", "/proc", "type", "proc", "source", "proc"),
                Map.of("destination", "/dev", "type", "tmpfs", "source", "tmpfs",
                        "options", List.of("nosuid", "strictatime", "mode=755", "size=65536k")),
                Map.of("destination", "/dev/pts", "type", "devpts", "source", "devpts",
                        "options", List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"))));
        spec.put("linux", linux);
        return spec;
    }

    /** Adds more busybox applets to the rootfs (before {@link #launch}). */
    ShimFixture withTools(String... tools) throws IOException {
        for (String tool : tools) {
            Files.createSymbolicLink(rootfsSource.resolve("bin").resolve(tool), Path.of("busybox"));
        }
        return this;
    }

    /** Launches with the container's stdin kept open (and, with {@code stdinOnce}, closed after the first attacher). */
    ShimClient launchWithStdin(boolean tty, boolean stdinOnce) throws IOException {
        ShimConfig config = config(tty).toBuilder().setStdin(true).setStdinOnce(stdinOnce).build();
        return track(ShimClient.launch(config, LaunchOptions.defaults()));
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> process() {
        return (Map<String, Object>) spec.get("process");
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> linux() {
        return (Map<String, Object>) spec.get("linux");
    }

    /** Runs the container in the host pid namespace, so its init is an ordinary process for signals. */
    @SuppressWarnings("unchecked")
    ShimFixture withHostPidNamespace() {
        ((List<Map<String, Object>>) linux().get("namespaces")).removeIf(ns -> "pid".equals(ns.get("type")));
        return this;
    }

    /** Puts the container in its own cgroup with this memory limit; the cgroup is removed by close. */
    ShimFixture withMemoryLimit(long bytes) {
        cgroup = "/" + id;
        linux().put("cgroupsPath", cgroup);
        linux().put("resources", Map.of("memory", Map.of("limit", bytes)));
        return this;
    }

    ShimConfig config(boolean tty) throws IOException {
        process().put("terminal", tty);
        new ObjectMapper().writeValue(bundle.resolve("config.json").toFile(), spec);
        return ShimConfig.newBuilder()
                .setId(id)
                .setBundle(bundle.toString())
                .setRuntime("runc")
                .setRuntimeRoot(runcRoot.toString())
                .addRootfs(Mount.newBuilder().setType("bind").setSource(rootfsSource.toString())
                        .addOptions("rbind").addOptions("ro"))
                .setLogPath(log.toString())
                .setRunDir(runDir.toString())
                .setTty(tty)
                .build();
    }

    ShimClient launch(boolean tty) throws IOException {
        return track(ShimClient.launch(config(tty), LaunchOptions.defaults()));
    }

    ShimClient track(ShimClient client) {
        clients.add(client);
        return client;
    }

    List<LogEntry> logEntries(Path file) throws IOException {
        List<LogEntry> entries = new ArrayList<>();
        if (!Files.exists(file)) {
            return entries;
        }
        String text = Files.readString(file);
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty()) {
                continue;
            }
            Matcher m = LOG_LINE.matcher(line);
            if (!m.matches()) {
                throw new AssertionError("not a CRI log line: " + line);
            }
            entries.add(new LogEntry(m.group(1), m.group(2), m.group(3), m.group(4)));
        }
        return entries;
    }

    List<LogEntry> logEntries() throws IOException {
        return logEntries(log);
    }

    boolean rootfsMounted() throws IOException {
        String target = " " + bundle.resolve("rootfs") + " ";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(l -> l.contains(target));
    }

    static int sessionOf(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        // After "(comm)": state ppid pgrp session ...
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(fields[3]);
    }

    @Override
    public void close() throws Exception {
        for (ShimClient client : clients) {
            if (client.isAlive()) {
                try {
                    client.delete(true);
                } catch (RuntimeException e) {
                    Posix.kill(client.shimPid(), Posix.SIGKILL);
                }
            }
        }
        runQuietly("runc", "--root", runcRoot.toString(), "delete", "--force", id);
        while (rootfsMounted()) {
            ShimMounts.detach(bundle.resolve("rootfs").toString());
        }
        if (cgroup != null) {
            try (var controllers = Files.list(Path.of("/sys/fs/cgroup"))) {
                for (Path controller : controllers.toList()) {
                    Files.deleteIfExists(controller.resolve(cgroup.substring(1)));
                }
            }
        }
    }

    /** Reaps a container init that was re-parented to this JVM (see the shim-killed test). */
    static void reapQuietly(int pid) {
        try {
            ChildProcesses.waitFor(pid);
        } catch (ErrnoException notOurs) {
            // Not our child after all: someone else reaps it.
        }
    }

    static String runQuietly(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }
}

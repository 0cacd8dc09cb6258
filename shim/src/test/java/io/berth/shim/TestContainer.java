package io.berth.shim;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.shim.api.Mount;
import io.berth.shim.api.ShimConfig;
import io.berth.shim.client.ShimClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One container's worth of test setup in a dir of its own: a busybox rootfs source (bind-mounted by the
 * host), an OCI bundle whose config.json this writes, a run dir and a CRI log. Created through the
 * {@link ShimFixture} that owns it, which removes whatever a test left.
 */
final class TestContainer {
    static final List<String> BUSYBOX_TOOLS = List.of("sh", "echo", "sleep", "stty", "head", "tr", "printf", "cat");
    private static final Pattern LOG_LINE = Pattern.compile(
            "(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d{1,9})?Z) (stdout|stderr) ([PF]) (.*)", Pattern.DOTALL);

    record LogEntry(String time, String stream, String tag, String content) {}

    private final ShimFixture fixture;
    /** Unique in its first 12 characters: that is what names a container-grouped host. */
    final String id = "bt" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "-shim-test";
    final Path dir;
    final Path rootfsSource;
    final Path bundle;
    final Path runDir;
    final Path log;
    /** The OCI runtime spec; tests edit it before {@link #create}. */
    final Map<String, Object> spec;
    /** The pod: what a pod-grouped host is chosen by. Unique per container unless a test sets it. */
    String sandboxId = "pod" + UUID.randomUUID().toString().replace("-", "").substring(0, 9) + "-sandbox";
    /** Every client a test got for this container; the fixture deletes through a fresh one. */
    final List<ShimClient> clients = new CopyOnWriteArrayList<>();
    String cgroup;

    TestContainer(ShimFixture fixture, Path dir, List<String> args) throws IOException {
        this.fixture = fixture;
        this.dir = dir.toAbsolutePath();
        rootfsSource = this.dir.resolve("rootfs-src");
        bundle = this.dir.resolve("bundle");
        runDir = this.dir.resolve("run");
        log = this.dir.resolve("logs").resolve("container.log");
        Files.createDirectories(rootfsSource.resolve("bin"));
        Files.createDirectories(bundle);
        Files.createDirectories(runDir);
        Files.createDirectories(log.getParent());
        Files.copy(Path.of("/bin/busybox"), rootfsSource.resolve("bin/busybox"));
        for (String tool : BUSYBOX_TOOLS) {
            Files.createSymbolicLink(rootfsSource.resolve("bin").resolve(tool), Path.of("busybox"));
        }
        // The rootfs is mounted read-only, so every mount point runc needs must exist beforehand.
        for (String mountPoint : List.of("proc", "dev", "sys", "tmp")) {
            Files.createDirectories(rootfsSource.resolve(mountPoint));
        }
        spec = defaultSpec(args);
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

    /** Adds more busybox applets to the rootfs (before {@link #create}). */
    TestContainer withTools(String... tools) throws IOException {
        for (String tool : tools) {
            Files.createSymbolicLink(rootfsSource.resolve("bin").resolve(tool), Path.of("busybox"));
        }
        return this;
    }

    TestContainer inSandbox(String sandbox) {
        this.sandboxId = sandbox;
        return this;
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
    TestContainer withHostPidNamespace() {
        ((List<Map<String, Object>>) linux().get("namespaces")).removeIf(ns -> "pid".equals(ns.get("type")));
        return this;
    }

    /** Puts the container in its own cgroup with this memory limit; the cgroup is removed by the fixture. */
    TestContainer withMemoryLimit(long bytes) {
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
                .setSandboxId(sandboxId)
                .setBundle(bundle.toString())
                .setRuntime("runc")
                .setRuntimeRoot(fixture.runcRoot.toString())
                .addRootfs(Mount.newBuilder().setType("bind").setSource(rootfsSource.toString())
                        .addOptions("rbind").addOptions("ro"))
                .setLogPath(log.toString())
                .setRunDir(runDir.toString())
                .setTty(tty)
                .build();
    }

    /** Creates the container in its group's host (as berthd does), through the fixture's {@link io.berth.shim.client.ShimHosts}. */
    ShimClient create(boolean tty) throws IOException {
        return track(fixture.create(config(tty)));
    }

    /** Creates with the container's stdin kept open (and, with {@code stdinOnce}, closed after the first attacher). */
    ShimClient createWithStdin(boolean tty, boolean stdinOnce) throws IOException {
        ShimConfig config = config(tty).toBuilder().setStdin(true).setStdinOnce(stdinOnce).build();
        return track(fixture.create(config));
    }

    /** Creates and starts. */
    ShimClient run() throws IOException {
        ShimClient shim = create(false);
        shim.start();
        return shim;
    }

    ShimClient track(ShimClient client) {
        clients.add(client);
        return client;
    }

    /** Creates {@code name} in the rootfs, which the scripts of several tests wait for. */
    void touch(String name) throws IOException {
        Files.createFile(rootfsSource.resolve(name));
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

    /**
     * The stream's complete lines as the program wrote them: P chunks joined with what follows them up to
     * the closing F entry (kubelet's rule). A line still being written (P chunks, no F yet) is left out.
     */
    List<String> logLines(String stream) throws IOException {
        List<String> lines = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (LogEntry e : logEntries()) {
            if (!e.stream().equals(stream)) {
                continue;
            }
            pending.append(e.content());
            if (e.tag().equals("F")) {
                lines.add(pending.toString());
                pending.setLength(0);
            }
        }
        return lines;
    }

    boolean rootfsMounted() throws IOException {
        String target = " " + bundle.resolve("rootfs") + " ";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(l -> l.contains(target));
    }

    /** The init pid the runtime wrote, or 0 before there was one. */
    int recordedInitPid() {
        try {
            return Integer.parseInt(Files.readString(new RunDir(runDir).containerPid()).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }
}

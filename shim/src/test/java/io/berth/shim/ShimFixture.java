package io.berth.shim;

import io.berth.linux.ChildProcesses;
import io.berth.linux.ErrnoException;
import io.berth.linux.Mounts;
import io.berth.linux.Posix;
import io.berth.shim.api.ExitStatus;
import io.berth.shim.api.ShimConfig;
import io.berth.shim.client.LaunchOptions;
import io.berth.shim.client.ShimClient;
import io.berth.shim.client.ShimGrouping;
import io.berth.shim.client.ShimHosts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * berthd's side of the shims for one test, in a temp dir: a {@link ShimHosts} with its hosts under
 * {@code <dir>/hosts} (node grouping unless a test asks otherwise), a private runc root, a listener that
 * records every exit the hosts report, and the containers the test made ({@link TestContainer}). The
 * single-container tests use {@link #ShimFixture(Path, String...)}, whose container's parts are the
 * fixture's own fields. {@link #close()} removes whatever a test left: the containers (deleted through
 * their host, else by runc), the host processes of its hosts dir (found by command line, killed by pid, also
 * one berthd was still starting when it stopped), the rootfs mounts, the test cgroups, and zombies that
 * re-parented to this JVM when a host died.
 */
final class ShimFixture implements AutoCloseable {
    static final Duration PATIENCE = Duration.ofSeconds(30);
    /** Linux's number on x86-64 and arm64; Posix names only the signals berth itself sends. */
    static final int SIGSTOP = 19;

    /** One exit as a host reported it to berthd, with when it arrived ({@link System#nanoTime()}). */
    record Report(Path runDir, ExitStatus exit, long atNanos) {}

    final Path dir;
    final Path hostsDir;
    final Path runcRoot;
    final ShimGrouping grouping;
    final LaunchOptions options;
    /** The last exit reported for each run dir. */
    final Map<Path, ExitStatus> exits = new ConcurrentHashMap<>();
    /** Every exit reported, in order, duplicates included. */
    final List<Report> reports = new CopyOnWriteArrayList<>();
    private final Map<Path, CompletableFuture<ExitStatus>> reported = new ConcurrentHashMap<>();
    private final List<TestContainer> containers = new CopyOnWriteArrayList<>();
    private final List<ShimHosts> everyHosts = new CopyOnWriteArrayList<>();
    private volatile ShimHosts hosts;

    /** The single-container tests' container and its parts (null for a fixture made with a grouping). */
    final TestContainer main;
    final String id;
    final Path rootfsSource;
    final Path bundle;
    final Path runDir;
    final Path log;
    final Map<String, Object> spec;

    /** Node grouping, berthd started, and one container {@code c} running {@code args} once created. */
    ShimFixture(Path dir, String... args) throws IOException {
        this(dir, ShimGrouping.NODE, List.of(args));
    }

    /** {@code grouping}, berthd started, no container yet: see {@link #container}. */
    ShimFixture(Path dir, ShimGrouping grouping) throws IOException {
        this(dir, grouping, (List<String>) null);
    }

    /** {@code grouping}, hosts started with {@code options}, berthd started, no container yet. */
    ShimFixture(Path dir, ShimGrouping grouping, LaunchOptions options) throws IOException {
        this(dir, grouping, null, options);
    }

    private ShimFixture(Path dir, ShimGrouping grouping, List<String> mainArgs) throws IOException {
        this(dir, grouping, mainArgs, LaunchOptions.defaults());
    }

    private ShimFixture(Path dir, ShimGrouping grouping, List<String> mainArgs, LaunchOptions options)
            throws IOException {
        this.dir = dir.toAbsolutePath();
        this.grouping = grouping;
        hostsDir = this.dir.resolve("hosts");
        runcRoot = this.dir.resolve("runc");
        this.options = options;
        try {
            // Containers of a host that dies re-parent to this JVM, so that close can reap them; this
            // machine's pid 1 may not.
            ChildProcesses.becomeChildSubreaper();
        } catch (ErrnoException e) {
            throw new IOException(e);
        }
        startBerthd();
        if (mainArgs != null) {
            main = container("c", mainArgs.toArray(String[]::new));
            id = main.id;
            rootfsSource = main.rootfsSource;
            bundle = main.bundle;
            runDir = main.runDir;
            log = main.log;
            spec = main.spec;
        } else {
            main = null;
            id = null;
            rootfsSource = null;
            bundle = null;
            runDir = null;
            log = null;
            spec = null;
        }
    }

    /** A new container, set up in {@code <dir>/<name>}, not yet created. */
    TestContainer container(String name, String... args) throws IOException {
        TestContainer c = new TestContainer(this, dir.resolve(name), List.of(args));
        containers.add(c);
        return c;
    }

    /** berthd's current shim hosts. */
    ShimHosts hosts() {
        ShimHosts current = hosts;
        if (current == null) {
            throw new IllegalStateException("berthd is stopped");
        }
        return current;
    }

    /**
     * berthd starts (again): a new {@link ShimHosts} over the same dir reattaches to the hosts that run, then,
     * once berthd would serve, starts the node's host if none runs.
     */
    ShimHosts startBerthd() throws IOException {
        ShimHosts started = new ShimHosts(hostsDir, options, grouping, this::record);
        everyHosts.add(started);
        hosts = started;
        started.start();
        started.startNodeHost();
        return started;
    }

    /** Creates the container in its group's host, as berthd does. */
    ShimClient create(ShimConfig config) throws IOException {
        return hosts().create(config);
    }

    /** berthd stops: its subscriptions and held descriptors go, the hosts run on. */
    void stopBerthd() {
        ShimHosts current = hosts;
        hosts = null;
        if (current != null) {
            current.close();
        }
    }

    /** The live host pid of {@code group}, as berthd knows it. */
    int hostPid(String group) {
        return hosts().hostPid(group).orElseThrow(() -> new AssertionError("no live host for " + group));
    }

    private void record(Path runDir, ExitStatus exit) {
        reports.add(new Report(runDir, exit, System.nanoTime()));
        exits.put(runDir, exit);
        reportedFuture(runDir).complete(exit);
    }

    private CompletableFuture<ExitStatus> reportedFuture(Path runDir) {
        return reported.computeIfAbsent(runDir.toAbsolutePath(), d -> new CompletableFuture<>());
    }

    /** Completes with the first exit reported for {@code runDir}. */
    CompletableFuture<ExitStatus> reportedExit(Path runDir) {
        return reportedFuture(runDir);
    }

    /** Waits (bounded) for the first exit reported for {@code runDir}. */
    ExitStatus awaitReportedExit(Path runDir) throws Exception {
        return reportedFuture(runDir).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    }

    // The single-container tests' shorthand for their container.

    ShimFixture withTools(String... tools) throws IOException {
        main.withTools(tools);
        return this;
    }

    ShimFixture withHostPidNamespace() {
        main.withHostPidNamespace();
        return this;
    }

    ShimFixture withMemoryLimit(long bytes) {
        main.withMemoryLimit(bytes);
        return this;
    }

    ShimConfig config(boolean tty) throws IOException {
        return main.config(tty);
    }

    ShimClient launch(boolean tty) throws IOException {
        return main.create(tty);
    }

    ShimClient launchWithStdin(boolean tty, boolean stdinOnce) throws IOException {
        return main.createWithStdin(tty, stdinOnce);
    }

    ShimClient track(ShimClient client) {
        return main.track(client);
    }

    List<TestContainer.LogEntry> logEntries(Path file) throws IOException {
        return main.logEntries(file);
    }

    List<TestContainer.LogEntry> logEntries() throws IOException {
        return main.logEntries();
    }

    boolean rootfsMounted() throws IOException {
        return main.rootfsMounted();
    }

    void go() throws IOException {
        main.touch("go");
    }

    static int sessionOf(long pid) throws IOException {
        return Integer.parseInt(statFields(pid)[3]);
    }

    static int parentOf(long pid) throws IOException {
        return Integer.parseInt(statFields(pid)[1]);
    }

    /** The fields after "(comm)": state ppid pgrp session ... */
    private static String[] statFields(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    static boolean isGoneOrZombie(long pid) {
        try {
            return statFields(pid)[0].equals("Z");
        } catch (IOException gone) {
            return true;
        }
    }

    static String cmdline(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/cmdline"), StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException gone) {
            return "";
        }
    }

    /** Waits (bounded) until {@code pid} has exited. */
    static void awaitExitOf(long pid, Duration patience) throws Exception {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isPresent()) {
            handle.get().onExit().get(patience.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() throws Exception {
        List<Throwable> failures = new ArrayList<>();
        // Containers go through their host, as berthd deletes them; bounded, for a host that stopped answering.
        CompletableFuture<Void> deletes = CompletableFuture.runAsync(this::deleteThroughHosts, runnable -> {
            Thread t = new Thread(runnable, "fixture-delete");
            t.setDaemon(true);
            t.start();
        });
        try {
            deletes.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            failures.add(new AssertionError("deleting the containers through their hosts did not end", e));
        }
        // Then berthd stops, so that no host is replaced while the hosts are killed. A replacement already
        // being started is found by the sweep below, which goes on until berthd's event threads are done.
        for (ShimHosts h : everyHosts) {
            h.close();
        }
        hosts = null;
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            for (int pid : hostProcesses()) {
                try {
                    Posix.kill(pid, Posix.SIGKILL);
                    awaitExitOf(pid, PATIENCE);
                } catch (ErrnoException gone) {
                    // exited meanwhile
                } catch (Exception e) {
                    failures.add(e);
                }
            }
            List<Thread> readers = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("shim-host-events-")).toList();
            if (readers.isEmpty() && hostProcesses().isEmpty()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                failures.add(new AssertionError("berthd's host threads did not end: " + readers));
                break;
            }
            for (Thread reader : readers) {
                reader.join(100);
            }
        }
        for (TestContainer c : containers) {
            int init = c.recordedInitPid();
            runQuietly("runc", "--root", runcRoot.toString(), "delete", "--force", c.id);
            if (init > 0) {
                reapIfOurs(init);
            }
            while (c.rootfsMounted()) {
                Mounts.unmount(c.bundle.resolve("rootfs"), Mounts.MNT_DETACH);
            }
            if (c.cgroup != null) {
                try (var controllers = Files.list(Path.of("/sys/fs/cgroup"))) {
                    for (Path controller : controllers.toList()) {
                        Files.deleteIfExists(controller.resolve(c.cgroup.substring(1)));
                    }
                }
            }
        }
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError("cleaning up did not go as it should");
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }

    private void deleteThroughHosts() {
        for (TestContainer c : containers) {
            if (!Files.exists(new RunDir(c.runDir).host())) {
                continue; // never created, or already deleted
            }
            try {
                ShimClient.connect(c.runDir).delete(true);
            } catch (RuntimeException | IOException e) {
                // No live host carries it: runc does below.
            }
            ShimHosts current = hosts;
            if (current != null) {
                current.release(c.runDir);
            }
        }
    }

    /**
     * The host processes of this fixture's hosts dir, found by their command line (a host's, or setsid's
     * while it starts one): those berthd knows, those it was starting when it stopped, those a test left.
     */
    private Set<Integer> hostProcesses() throws IOException {
        String marker = "--host " + hostsDir + "/";
        Set<Integer> pids = new LinkedHashSet<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                int pid = Integer.parseInt(p.getFileName().toString());
                String cmdline = cmdline(pid);
                if (cmdline.contains(marker) && (cmdline.contains(ShimMain.class.getName())
                        || cmdline.startsWith("setsid "))) {
                    pids.add(pid);
                }
            }
        }
        return pids;
    }

    /** Reaps a container init that re-parented to this JVM when its host died; others are left alone. */
    static void reapIfOurs(int pid) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            String[] stat;
            try {
                stat = statFields(pid);
            } catch (IOException gone) {
                return;
            }
            if (Integer.parseInt(stat[1]) != ProcessHandle.current().pid()) {
                return;
            }
            if (stat[0].equals("Z")) {
                try {
                    ChildProcesses.waitFor(pid);
                } catch (ErrnoException notOurs) {
                    // reaped by someone else meanwhile
                }
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("process " + pid + " did not die");
            }
            Thread.sleep(10);
        }
    }

    static String runQuietly(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }
}

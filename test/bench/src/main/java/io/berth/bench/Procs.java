package io.berth.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds a runtime's processes from outside, the same way for every runtime:
 * <ul>
 * <li><b>daemon</b>: the process holding the listening CRI socket (from {@code /proc/net/unix} and the fds);</li>
 * <li><b>shims</b>: every other process whose command line contains the runtime's marker (its temp dir: berth's
 * shims carry their run dir under berthd's state, containerd's shims carry {@code -address <socket>});</li>
 * <li><b>inits</b>: descendants of those whose name is an init name (berth's {@code catatonit}, containerd's
 * pause, which in this benchmark is the same catatonit binary).</li>
 * </ul>
 * Or a {@code --pids-cmd} prints the pids, and they are classed by the same rules.
 */
final class Procs {
    private static final Set<String> NOT_RUNTIME = Set.of("sh", "bash", "dash", "setsid", "runc", "timeout", "sleep",
            "crictl", "nsenter", "ip", "nft", "tail", "grep", "cat");
    static final long TICKS_PER_SECOND = clockTicks();

    record Proc(int pid, int ppid, String comm, String cmdline) {}

    record Set3(int daemon, List<Integer> shims, List<Integer> inits) {
        List<Integer> all() {
            List<Integer> all = new ArrayList<>();
            if (daemon > 0) {
                all.add(daemon);
            }
            all.addAll(shims);
            all.addAll(inits);
            return all;
        }
    }

    private final Path socket;
    private final String marker;
    private final Set<String> initNames;
    private final String pidsCmd;

    Procs(Path socket, String marker, Set<String> initNames, String pidsCmd) {
        this.socket = socket;
        this.marker = marker;
        this.initNames = initNames;
        this.pidsCmd = pidsCmd;
    }

    /** The pid holding the listening socket, or -1. */
    int daemon() {
        Set<String> inodes = new HashSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/unix"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 8 && f[7].equals(socket.toString()) && f[3].equals("00010000")) {
                    inodes.add("socket:[" + f[6] + "]");
                }
            }
        } catch (IOException e) {
            return -1;
        }
        if (inodes.isEmpty()) {
            return -1;
        }
        for (int pid : pids()) {
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/fd"))) {
                for (Path fd : fds) {
                    try {
                        if (inodes.contains(Files.readSymbolicLink(fd).toString())) {
                            return pid;
                        }
                    } catch (IOException gone) {
                        // fd closed meanwhile
                    }
                }
            } catch (IOException gone) {
                // process exited
            }
        }
        return -1;
    }

    Set3 find() {
        int self = (int) ProcessHandle.current().pid();
        int daemon = daemon();
        Map<Integer, Proc> procs = new LinkedHashMap<>();
        for (int pid : pids()) {
            Proc p = read(pid);
            if (p != null) {
                procs.put(pid, p);
            }
        }
        List<Integer> matched = new ArrayList<>();
        if (pidsCmd != null) {
            for (String s : Shell.output(pidsCmd).trim().split("\\s+")) {
                if (!s.isEmpty()) {
                    matched.add(Integer.parseInt(s));
                }
            }
        } else {
            for (Proc p : procs.values()) {
                if (p.pid != self && p.cmdline.contains(marker) && !NOT_RUNTIME.contains(p.comm)) {
                    matched.add(p.pid);
                }
            }
        }
        Map<Integer, List<Integer>> children = new HashMap<>();
        procs.values().forEach(p -> children.computeIfAbsent(p.ppid, k -> new ArrayList<>()).add(p.pid));
        List<Integer> shims = new ArrayList<>();
        Set<Integer> inits = new TreeSet<>();
        for (int pid : matched) {
            Proc p = procs.get(pid);
            if (pid == daemon || p == null) {
                continue;
            }
            if (initNames.contains(p.comm)) {
                inits.add(pid);
                continue;
            }
            shims.add(pid);
            if (pidsCmd == null) {
                ArrayDeque<Integer> todo = new ArrayDeque<>(children.getOrDefault(pid, List.of()));
                while (!todo.isEmpty()) {
                    int c = todo.pop();
                    Proc cp = procs.get(c);
                    if (cp != null && initNames.contains(cp.comm)) {
                        inits.add(c);
                    }
                    todo.addAll(children.getOrDefault(c, List.of()));
                }
            }
        }
        return new Set3(daemon, shims, new ArrayList<>(inits));
    }

    static List<Integer> pids() {
        List<Integer> pids = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path p : dir) {
                String n = p.getFileName().toString();
                if (!n.isEmpty() && Character.isDigit(n.charAt(0))) {
                    pids.add(Integer.parseInt(n));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pids;
    }

    static Proc read(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            String cmdline = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")),
                    StandardCharsets.UTF_8).replace('\0', ' ');
            return new Proc(pid, Integer.parseInt(rest[1]), comm, cmdline);
        } catch (IOException | RuntimeException gone) {
            return null;
        }
    }

    /** Proportional set size in KiB (0 if the process is gone). */
    static long pssKb(int pid) {
        return rollupKb(pid, "Pss:");
    }

    /** Of the PSS, the part in anonymous pages (heap, stacks, JIT code; for Go its heap), in KiB. */
    static long pssAnonKb(int pid) {
        return rollupKb(pid, "Pss_Anon:");
    }

    private static long rollupKb(int pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException gone) {
            // exited
        }
        return 0;
    }

    /** The process's thread count (0 if it is gone). */
    static long threads(int pid) {
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            return tasks.count();
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }

    /** CPU time in clock ticks: user + system, plus that of waited-for children (runc runs, for instance). */
    static long cpuTicks(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields after ")" start at field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17
            return Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }

    static Map<Integer, Long> cpu(List<Integer> pids) {
        Map<Integer, Long> m = new HashMap<>();
        pids.forEach(p -> m.put(p, cpuTicks(p)));
        return m;
    }

    private static long clockTicks() {
        try {
            return Long.parseLong(Shell.output("getconf CLK_TCK").trim());
        } catch (RuntimeException e) {
            return 100;
        }
    }
}

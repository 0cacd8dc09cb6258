package io.berth.e2e.network;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The host as the network tests see it, always through iproute2 and nft (never through berth's own code),
 * so that what berthd claims is checked against what the kernel holds. Also the names and ranges a test
 * class takes for itself: other suites on this machine make bridges and 10.x ranges of their own.
 */
final class HostNetwork {
    private static final Pattern LINK_LINE = Pattern.compile("[0-9]+: [^ ]");

    private HostNetwork() {}

    /** Runs a command to completion; returns stdout and stderr together (exit status is the caller's business). */
    static String run(String... command) {
        return execute(false, command);
    }

    /** Runs a command that must succeed: a test's own set-up step. */
    static String runChecked(String... command) {
        return execute(true, command);
    }

    private static String execute(boolean checked, String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within 60s");
            }
            if (checked && p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): "
                        + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A bridge name no device on this host has: {@code prefix} (at most 9 characters) plus 5 hex digits. */
    static String uniqueBridge(String prefix) {
        for (int attempt = 0; attempt < 20; attempt++) {
            String name = prefix + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt(), 5);
            if (!Files.exists(Path.of("/sys/class/net", name))) {
                return name;
            }
        }
        throw new IllegalStateException("no free device name with prefix " + prefix);
    }

    /** A /24 in 10.{secondOctet}.0.0/16 (230-239 belong to these tests) that no route of this host touches. */
    static String freeSubnet(int secondOctet) {
        String routes = run("ip", "-4", "route", "show", "table", "all");
        for (int third : ThreadLocalRandom.current().ints(1, 255).distinct().limit(100).toArray()) {
            String prefix = "10." + secondOctet + "." + third + ".";
            if (!routes.contains(prefix)) {
                return prefix + "0/24";
            }
        }
        throw new IllegalStateException("no free /24 in 10." + secondOctet + ".0.0/16");
    }

    /** The first host address of a range: the gateway both the built-in and CNI's bridge plugin use. */
    static String gateway(String subnet) {
        String network = subnet.substring(0, subnet.indexOf('/'));
        return network.substring(0, network.lastIndexOf('.') + 1) + (Integer.parseInt(
                network.substring(network.lastIndexOf('.') + 1)) + 1);
    }

    /** Names of every link on the host, as {@code ip -o link} prints them (without the {@code @peer} part). */
    static Set<String> links() {
        return linkNames(run("ip", "-o", "link", "show")).stream()
                .collect(Collectors.toSet());
    }

    /** Links enslaved to {@code bridge}: the host ends of its pods' veths. */
    static List<String> portsOf(String bridge) {
        if (!Files.exists(Path.of("/sys/class/net", bridge))) {
            return List.of();
        }
        return linkNames(run("ip", "-o", "link", "show", "master", bridge));
    }

    /**
     * The names in {@code ip -o link} output: only lines of the form "N: name[@peer]: ...". iproute2 also prints
     * warnings (such as "Error: Peer netns reference is invalid." for a veth whose peer sits in a namespace it
     * cannot name), and those are no links.
     */
    static List<String> linkNames(String ipLinkOutput) {
        return ipLinkOutput.lines()
                .filter(l -> LINK_LINE.matcher(l).lookingAt())
                .map(l -> l.split(": ", 3)[1].split("@")[0])
                .toList();
    }

    /**
     * The host-side veth the built-in plugin gives a pod: "bv" and 13 hex digits of sha256(pod id). Derived
     * here independently, so a test can look for a pod's veth even when berthd died before reporting the id.
     */
    static String berthVeth(String podId) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(podId.getBytes(StandardCharsets.UTF_8));
            return "bv" + HexFormat.of().formatHex(h).substring(0, 13);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The table the built-in plugin keeps for one bridge. */
    static String berthTable(String bridge) {
        return "berth_" + bridge.replace('-', '_');
    }

    /** {@code nft list tables}, one "table family name" per entry. */
    static Set<String> nftTables() {
        return run("nft", "list", "tables").lines().map(String::trim).filter(l -> !l.isEmpty())
                .collect(Collectors.toSet());
    }

    /** berth's table of a bridge as nft prints it, or empty when there is no such table. */
    static Optional<String> berthRules(String bridge) {
        String table = "table inet " + berthTable(bridge);
        return nftTables().contains(table) ? Optional.of(run("nft", "list", "table", "inet", berthTable(bridge)))
                : Optional.empty();
    }

    static String nftRuleset() {
        return run("nft", "list", "ruleset");
    }

    /** Whether {@code text} names {@code ip} as a whole address (10.1.2.3 must not match 10.1.2.30). */
    static boolean mentionsAddress(String text, String ip) {
        return Pattern.compile("(?<![0-9.])" + Pattern.quote(ip) + "(?![0-9])").matcher(text).find();
    }

    /** Whether {@code text} names {@code port} as a whole number. */
    static boolean mentionsPort(String text, int port) {
        return Pattern.compile("(?<![0-9])" + port + "(?![0-9])").matcher(text).find();
    }

    /**
     * The IPv4 address of the device that carries this host's default route (its "node IP"), if there is
     * one: a hostPort must answer on every local address, not only on the one berth put on the bridge.
     * Traffic to it never leaves the machine: the kernel delivers packets for its own addresses locally.
     */
    static Optional<String> nodeAddress() {
        Optional<String> device = run("ip", "-4", "route", "show", "default").lines()
                .map(l -> l.trim().split("\\s+"))
                .flatMap(f -> {
                    for (int i = 0; i + 1 < f.length; i++) {
                        if (f[i].equals("dev")) {
                            return java.util.stream.Stream.of(f[i + 1]);
                        }
                    }
                    return java.util.stream.Stream.empty();
                })
                .findFirst();
        return device.flatMap(dev -> run("ip", "-o", "-4", "addr", "show", "dev", dev, "scope", "global").lines()
                .map(l -> l.trim().split("\\s+"))
                .filter(f -> f.length > 3 && f[2].equals("inet"))
                .map(f -> f[3].substring(0, f[3].indexOf('/')))
                .findFirst());
    }

    /** Mount points at or below {@code dir} (pinned namespaces, /dev/shm tmpfs, rootfs overlays). */
    static List<String> mountsUnder(Path dir) {
        String base = dir.toAbsolutePath().normalize().toString();
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(l -> l.split(" ")[4])
                    .filter(m -> m.equals(base) || m.startsWith(base + "/"))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a link; a missing one is fine, and so is none (a class skipped before it chose a name). */
    static void deleteLink(String name) {
        if (name != null && Files.exists(Path.of("/sys/class/net", name))) {
            run("ip", "link", "del", name);
        }
    }

    /** Deletes a table; a missing one is fine. */
    static void deleteTable(String family, String name) {
        if (nftTables().contains("table " + family + " " + name)) {
            run("nft", "delete", "table", family, name);
        }
    }

    /**
     * Removes a cgroupfs parent and everything below it in every hierarchy (v1 controllers, the unified one):
     * runc removes a container's own cgroup, but the parent kubelet names stays until someone takes it.
     */
    static void removeCgroupTree(String parent) {
        Path root = Path.of("/sys/fs/cgroup");
        try (var hierarchies = Files.list(root)) {
            for (Path base : hierarchies.toList()) {
                removeDirsBottomUp(base.resolve(parent.substring(1)));
            }
            removeDirsBottomUp(root.resolve(parent.substring(1)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void removeDirsBottomUp(Path dir) throws IOException {
        if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            Path[] dirs = walk.filter(Files::isDirectory).toArray(Path[]::new);
            Arrays.sort(dirs, (a, b) -> b.getNameCount() - a.getNameCount());
            for (Path d : dirs) {
                // cgroup dirs are removed with rmdir; their files are kernel interfaces, not content.
                run("rmdir", d.toString());
            }
        }
    }
}

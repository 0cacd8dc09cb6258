package io.berth.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A bridge name and a pod range of a test class's own, for berthd's built-in network plugin: other suites on this
 * machine make bridges and 10.x ranges too. {@link #close()} removes the bridge and berth's nft table for it, which
 * berthd leaves in place on a stop (pods may still run).
 */
public final class TestBridge implements AutoCloseable {
    private final String name;
    private final String subnet;

    private TestBridge(String name, String subnet) {
        this.name = name;
        this.subnet = subnet;
    }

    /** {@code prefix}: at most 9 characters; {@code secondOctet}: the class's share of 10/8. */
    public static TestBridge reserve(String prefix, int secondOctet) {
        return new TestBridge(uniqueName(prefix), freeSubnet(secondOctet));
    }

    public String name() {
        return name;
    }

    public String subnet() {
        return subnet;
    }

    /** The berthd config lines that put its pods on this bridge. */
    public String config() {
        return "[network]\nbridge = \"" + name + "\"\nsubnet = \"" + subnet + "\"\n";
    }

    @Override
    public void close() {
        run("ip", "link", "del", name);
        run("nft", "delete", "table", "inet", "berth_" + name.replace('-', '_'));
    }

    private static String uniqueName(String prefix) {
        for (int attempt = 0; attempt < 20; attempt++) {
            String candidate = prefix + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt(), 5);
            if (!Files.exists(Path.of("/sys/class/net", candidate))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free device name with prefix " + prefix);
    }

    private static String freeSubnet(int secondOctet) {
        String routes = run("ip", "-4", "route", "show", "table", "all");
        for (int third : ThreadLocalRandom.current().ints(1, 255).distinct().limit(100).toArray()) {
            String prefix = "10." + secondOctet + "." + third + ".";
            if (!routes.contains(prefix)) {
                return prefix + "0/24";
            }
        }
        throw new IllegalStateException("no free /24 in 10." + secondOctet + ".0.0/16");
    }

    private static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

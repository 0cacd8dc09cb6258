package io.berth.e2e.images;

import java.io.IOException;
import java.nio.file.Path;

/** GNU du, the operator's measure of a directory tree: apparent bytes and inodes, hardlinks counted once. */
final class Du {
    private Du() {}

    static long apparentBytes(Path dir) throws IOException {
        return firstNumber("du", "-s", "-b", dir.toString());
    }

    static long inodes(Path dir) throws IOException {
        return firstNumber("du", "-s", "--inodes", dir.toString());
    }

    private static long firstNumber(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return Long.parseLong(out.trim().split("\\s+")[0]);
    }
}

package io.berth.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Host tools (ip, nft, umount, kill, runc) run to completion; each call names exactly what it acts on. */
public final class HostCommands {
    private HostCommands() {
    }

    /** Runs the command and returns stdout and stderr together; a non-zero exit is not an error here. */
    public static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within 30s");
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", command), e);
        }
    }

    /** SIGKILL to one pid. */
    public static void kill9(long pid) {
        run("kill", "-9", Long.toString(pid));
    }
}

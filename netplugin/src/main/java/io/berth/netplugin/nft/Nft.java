package io.berth.netplugin.nft;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs {@code nft -f -} with a generated script; nft's own message becomes the exception's. */
public final class Nft {
    private final String binary;

    public Nft(String binary) {
        this.binary = resolve(binary).map(Path::toString).orElse(binary);
    }

    /**
     * Finds a binary on PATH or in the sbin dirs, where Debian puts nft; daemons started from a user shell
     * often have no sbin on PATH.
     */
    public static Optional<Path> resolve(String binary) {
        if (binary.contains("/")) {
            Path p = Path.of(binary);
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, binary))) {
                return Optional.of(Path.of(dir, binary));
            }
        }
        return Optional.empty();
    }

    public void apply(String script) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(binary, "-f", "-").redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run " + binary + " (is nftables installed?): " + e.getMessage(), e);
        }
        CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getInputStream().readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        });
        try (OutputStream in = p.getOutputStream()) {
            in.write(script.getBytes(StandardCharsets.UTF_8));
        }
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(binary + " -f - did not finish within 30s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + binary, e);
        }
        if (p.exitValue() != 0) {
            String message = new String(output.join(), StandardCharsets.UTF_8).strip();
            throw new IOException(binary + " refused berth's rules (exit " + p.exitValue() + "): " + message);
        }
    }
}

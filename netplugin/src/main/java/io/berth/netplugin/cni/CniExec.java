package io.berth.netplugin.cni;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.common.error.FailedPreconditionException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs one CNI plugin binary per the spec: parameters in CNI_* environment variables, the network
 * configuration on stdin, the result (or a {@code {code, msg, details}} error) on stdout.
 */
final class CniExec {
    private final List<Path> binDirs;

    CniExec(List<Path> binDirs) {
        this.binDirs = List.copyOf(binDirs);
    }

    /** The plugin's binary in the first bin dir that has it. */
    Path find(String type) {
        for (Path dir : binDirs) {
            Path p = dir.resolve(type);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        throw new FailedPreconditionException("CNI plugin '" + type + "' is not in any of the bin dirs " + binDirs
                + "; install it or fix network.cni_bin_dirs");
    }

    /** Runs {@code command}; returns the parsed stdout (null when empty, as DEL may answer). */
    JsonNode run(String type, String command, String containerId, String netns, String ifName, String cniArgs,
            ObjectNode config) throws IOException {
        Path binary = find(type);
        ProcessBuilder pb = new ProcessBuilder(binary.toString());
        Map<String, String> env = pb.environment();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", containerId);
        env.put("CNI_NETNS", netns);
        env.put("CNI_IFNAME", ifName);
        env.put("CNI_ARGS", cniArgs);
        env.put("CNI_PATH", binDirs.stream().map(Path::toString).collect(Collectors.joining(":")));
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        CompletableFuture<byte[]> stdout = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getInputStream().readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        });
        try (OutputStream in = p.getOutputStream()) {
            in.write(CniNetwork.JSON.writeValueAsBytes(config));
        }
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("CNI plugin " + type + " " + command + " did not finish within 60s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while CNI plugin " + type + " ran " + command, e);
        }
        String out = new String(stdout.join(), StandardCharsets.UTF_8).strip();
        JsonNode parsed = null;
        if (!out.isEmpty()) {
            try {
                parsed = CniNetwork.JSON.readTree(out);
            } catch (JsonProcessingException e) {
                throw new IOException("CNI plugin " + type + " " + command + " printed no JSON (exit " + p.exitValue()
                        + "): " + out.substring(0, Math.min(out.length(), 300)));
            }
        }
        if (p.exitValue() != 0) {
            String msg = parsed == null ? "no message" : parsed.path("msg").asText("")
                    + (parsed.path("details").asText("").isEmpty() ? "" : ": " + parsed.path("details").asText());
            throw new CniPluginException(type, command, parsed == null ? -1 : parsed.path("code").asInt(-1), msg);
        }
        return parsed;
    }
}

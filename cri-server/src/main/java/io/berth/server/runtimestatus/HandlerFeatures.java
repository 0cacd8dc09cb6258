package io.berth.server.runtimestatus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.berth.common.json.JsonTrees;
import io.berth.server.config.BerthConfig;
import io.berth.server.config.RuntimeHandlerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * What each runtime handler's OCI runtime can do on this host, asked once at start. kubelet refuses pods that need a
 * feature the runtime does not report, and sends them when it does, so the answer must be the truth: {@code rro}
 * (recursive read-only bind mounts) is claimed only when the runtime's {@code features} command lists it and the
 * kernel has mount_setattr(2) (Linux 5.12), as containerd decides it.
 *
 * @param recursiveReadOnly by handler name; the empty name is the default handler, as kubelet looks it up
 */
public record HandlerFeatures(Map<String, Boolean> recursiveReadOnly) {
    private static final Logger LOG = Logger.getLogger(HandlerFeatures.class.getName());
    /** A runtime's features command prints a small JSON document at once; one that hangs is not trusted. */
    private static final long FEATURES_TIMEOUT_SECONDS = 10;
    /** Bounds what is read of a runtime's answer. */
    private static final int MAX_FEATURES_BYTES = 1 << 20;

    public HandlerFeatures {
        recursiveReadOnly = Map.copyOf(recursiveReadOnly);
    }

    public static HandlerFeatures probe(BerthConfig config) {
        boolean kernel = kernelHasMountSetattr(read(Path.of("/proc/sys/kernel/osrelease")));
        Map<String, Boolean> rro = new LinkedHashMap<>();
        for (RuntimeHandlerConfig h : config.runtimes().values()) {
            boolean supported = kernel && runtimeMountOptions(h.binary()).has("rro");
            rro.put(h.name(), supported);
            LOG.info("runtime handler " + h.name() + " (" + h.binary() + "): recursive read-only mounts "
                    + (supported ? "supported" : kernel ? "not listed by '" + h.binary() + " features'"
                    : "need Linux 5.12 or later"));
        }
        rro.put("", rro.getOrDefault(config.defaultRuntime(), false));
        return new HandlerFeatures(rro);
    }

    public boolean recursiveReadOnly(String handler) {
        return recursiveReadOnly.getOrDefault(handler, false);
    }

    /** "5.12.0-x" and later have mount_setattr; an unreadable release counts as too old. */
    static boolean kernelHasMountSetattr(String release) {
        String[] parts = release.trim().split("[.\\-+]");
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            return major > 5 || (major == 5 && minor >= 12);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The runtime's mount options as a set-like JSON lookup; empty when it has no features command. */
    static MountOptions runtimeMountOptions(String binary) {
        try {
            Process p = new ProcessBuilder(binary, "features").redirectErrorStream(false)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out = p.getInputStream().readNBytes(MAX_FEATURES_BYTES);
            if (!p.waitFor(FEATURES_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return MountOptions.NONE;
            }
            return p.exitValue() == 0 ? MountOptions.parse(out) : MountOptions.NONE;
        } catch (IOException e) {
            return MountOptions.NONE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return MountOptions.NONE;
        }
    }

    /** The {@code mountOptions} list of an OCI runtime's features document (runtime-spec features.md). */
    record MountOptions(JsonNode list) {
        static final MountOptions NONE = new MountOptions(JsonNodeFactory.instance.arrayNode());

        static MountOptions parse(byte[] json) {
            try {
                // The streaming parser alone: this runs at every start, and an ObjectMapper's set-up costs 45 ms.
                JsonNode options = JsonTrees.parse(json).path("mountOptions");
                return options.isArray() ? new MountOptions(options) : NONE;
            } catch (IOException e) {
                return NONE;
            }
        }

        boolean has(String option) {
            for (JsonNode o : list) {
                if (option.equals(o.asText())) {
                    return true;
                }
            }
            return false;
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (IOException e) {
            return "";
        }
    }
}

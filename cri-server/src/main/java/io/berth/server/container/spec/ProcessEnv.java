package io.berth.server.container.spec;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import io.berth.cri.v1.KeyValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The environment of a container's first process: defaults, then the image's, then the request's, by key. */
public final class ProcessEnv {
    /** The PATH runc/containerd give a process whose image sets none. */
    public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private ProcessEnv() {}

    /**
     * Later sources override earlier ones key by key while a key keeps its first position, so the order a
     * process sees is stable. {@code HOSTNAME} is set as containerd does, before the image env so an image or
     * the request may still override it.
     */
    public static List<String> merge(String hostname, ImageProcessDefaults image, List<KeyValue> requested) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", DEFAULT_PATH);
        if (!hostname.isEmpty()) {
            env.put("HOSTNAME", hostname);
        }
        for (String entry : image.env()) {
            int eq = entry.indexOf('=');
            // Docker tolerates a bare KEY in an image's Env and treats it as unset; do the same.
            String key = eq < 0 ? entry : entry.substring(0, eq);
            if (key.isEmpty() || key.indexOf('\0') >= 0 || entry.indexOf('\0') >= 0) {
                throw new InvalidArgumentException("image config Env: invalid entry '" + printable(entry) + "'");
            }
            if (eq >= 0) {
                env.put(key, entry.substring(eq + 1));
            }
        }
        for (KeyValue kv : requested) {
            String key = kv.getKey();
            // The CRI carries values as bytes; the OCI spec is JSON text, so they go in as UTF-8, as containerd's do.
            String value = kv.getValue().toStringUtf8();
            if (key.isEmpty() || key.indexOf('=') >= 0 || key.indexOf('\0') >= 0 || value.indexOf('\0') >= 0) {
                throw new InvalidArgumentException("config.envs: invalid variable name '" + printable(key)
                        + "' (must be non-empty, without '=' or NUL)");
            }
            env.put(key, value);
        }
        List<String> out = new ArrayList<>(env.size());
        env.forEach((k, v) -> {
            String entry = k + "=" + v;
            ProcessArgs.refuseUnexecutable(entry, "config.envs (or the image's Env): " + Require.printable(k));
            out.add(entry);
        });
        return out;
    }

    private static String printable(String s) {
        return s.replace("\0", "\\0");
    }
}

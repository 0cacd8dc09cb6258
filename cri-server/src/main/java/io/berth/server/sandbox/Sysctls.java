package io.berth.server.sandbox;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Which sysctls a pod may set: only those that live in a namespace the pod owns, so no pod can change
 * the node. Keys are normalised to dots (kubelet also accepts slashes).
 */
final class Sysctls {
    private static final Pattern KEY = Pattern.compile("[a-z0-9_-]+(\\.[a-zA-Z0-9_-]+)+");
    private static final List<String> IPC_KEYS = List.of("kernel.shm_rmid_forced", "kernel.shmmax", "kernel.shmall",
            "kernel.shmmni", "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem");
    private static final List<String> UTS_KEYS = List.of("kernel.domainname");

    private Sysctls() {}

    /** Validated, normalised sysctls; the first bad one fails the whole request naming itself. */
    static Map<String, String> validate(Map<String, String> requested, boolean hostNetwork, boolean hostIpc) {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, String> e : requested.entrySet()) {
            String key = e.getKey().replace('/', '.');
            String field = "config.linux.sysctls[" + Require.printable(e.getKey()) + "]";
            if (!KEY.matcher(key).matches() || key.contains("..")) {
                throw new InvalidArgumentException(field + ": not a sysctl name");
            }
            String value = e.getValue();
            if (value.isEmpty() || value.length() > 4096 || value.chars().anyMatch(c -> c < 0x20 && c != '\t')) {
                throw new InvalidArgumentException(field + ": the value must be non-empty, at most 4096 characters"
                        + " and free of control characters");
            }
            if (key.startsWith("net.")) {
                if (hostNetwork) {
                    throw new InvalidArgumentException(field + ": net.* sysctls are not allowed for a pod in the"
                            + " host network namespace");
                }
            } else if (IPC_KEYS.contains(key) || key.startsWith("fs.mqueue.")) {
                if (hostIpc) {
                    throw new InvalidArgumentException(field + ": IPC sysctls are not allowed for a pod in the host"
                            + " IPC namespace");
                }
            } else if (UTS_KEYS.contains(key)) {
                if (hostNetwork) {
                    throw new InvalidArgumentException(field + ": UTS sysctls are not allowed for a pod that shares"
                            + " the host's UTS namespace");
                }
            } else {
                throw new InvalidArgumentException(field + ": " + key + " is not a namespaced sysctl; a pod could"
                        + " change the whole node with it");
            }
            out.put(key, value);
        }
        return out;
    }
}

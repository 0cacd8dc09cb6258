package io.berth.server.container.spec;

import io.berth.common.error.InvalidArgumentException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The pod's sysctls, allowed only when they are namespaced and the namespace they live in is the pod's own:
 * a net.* sysctl in a host-network pod, or an IPC one with host IPC, would change the node.
 */
public final class Sysctls {
    private static final Pattern NAME = Pattern.compile("[a-z0-9_]+([./][a-zA-Z0-9_\\-:@]+)+");
    private static final Set<String> IPC = Set.of("kernel.shmmax", "kernel.shmmni", "kernel.shmall",
            "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shm_rmid_forced");
    private static final Set<String> UTS = Set.of("kernel.hostname", "kernel.domainname");

    private Sysctls() {}

    public static Map<String, String> of(Map<String, String> requested, boolean hostNetwork, boolean hostIpc) {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, String> e : requested.entrySet()) {
            String key = e.getKey();
            String field = "sandbox_config.linux.sysctls[" + ContainerPaths.shown(key) + "]";
            if (!NAME.matcher(key).matches() || key.length() > 255) {
                throw new InvalidArgumentException(field + ": not a sysctl name");
            }
            String dotted = key.replace('/', '.');
            if (e.getValue().indexOf('\0') >= 0 || e.getValue().indexOf('\n') >= 0) {
                throw new InvalidArgumentException(field + ": value is not one line");
            }
            if (dotted.startsWith("net.")) {
                if (hostNetwork) {
                    throw new InvalidArgumentException(field + ": cannot be set in a pod on the host network");
                }
            } else if (IPC.contains(dotted) || dotted.startsWith("fs.mqueue.")) {
                if (hostIpc) {
                    throw new InvalidArgumentException(field + ": cannot be set in a pod sharing the host IPC");
                }
            } else if (UTS.contains(dotted)) {
                if (hostNetwork) {
                    throw new InvalidArgumentException(field + ": cannot be set in a pod sharing the host UTS");
                }
            } else {
                throw new InvalidArgumentException(field + ": not a namespaced sysctl; it would change the node");
            }
            out.put(key, e.getValue());
        }
        return out;
    }
}

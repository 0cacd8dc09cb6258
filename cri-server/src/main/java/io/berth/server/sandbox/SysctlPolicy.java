package io.berth.server.sandbox;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The one rule for a pod's sysctls, applied at RunPodSandbox; what it admits is kept in the sandbox record and
 * goes into every container's spec as it is. A pod may set a sysctl only when the kernel keeps it per namespace
 * and that namespace is the pod's own, so that no pod can change the node:
 * <ul>
 *   <li>IPC: runc's list ({@code kernel.msgmax} … {@code kernel.shm_rmid_forced}) and {@code fs.mqueue.*}, not
 *       with host IPC;</li>
 *   <li>network: {@code net.*}, not with the host network;</li>
 *   <li>UTS: {@code kernel.domainname}, not with the host network, which the UTS namespace goes with. runc refuses
 *       {@code kernel.hostname} because the spec has a field for it, and so does this: the pod's host name is
 *       {@code config.hostname}.</li>
 * </ul>
 * Names may be written with slashes as sysctl(8) allows; they are kept in runc's dotted form, where a dot that
 * was part of a name (a VLAN interface such as {@code eno2.100}) becomes a slash.
 */
final class SysctlPolicy {
    /** kubelet's SysctlMaxLength. */
    static final int MAX_NAME_LENGTH = 253;
    /** A sysctl value is one line the kernel reads from a page; longer ones are not values but payloads. */
    static final int MAX_VALUE_LENGTH = 4096;

    /**
     * Dotted form: a lowercase top-level part ({@code net}, {@code kernel}, {@code fs}), then parts that may hold
     * upper case and slashes, because interface names do. No part is empty, so no part can be {@code ..}.
     */
    private static final Pattern NAME = Pattern.compile(
            "[a-z0-9_]+(\\.[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*)+");
    private static final Set<String> IPC = Set.of("kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
            "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced");
    private static final String FIELD = "config.linux.sysctls";

    private SysctlPolicy() {}

    /**
     * The sysctls the pod may set, by dotted name, sorted; the first one refused fails the whole request, naming
     * itself as the request spelled it.
     */
    static SortedMap<String, String> admit(Map<String, String> requested, boolean hostNetwork, boolean hostIpc) {
        SortedMap<String, String> admitted = new TreeMap<>();
        Map<String, String> spelledAs = new TreeMap<>();
        // Sorted, so that of two spellings of one sysctl the same one is named on every retry.
        for (Map.Entry<String, String> e : new TreeMap<>(requested).entrySet()) {
            String field = FIELD + "[" + Require.printable(e.getKey()) + "]";
            String name = dotted(e.getKey());
            if (e.getKey().length() > MAX_NAME_LENGTH || !NAME.matcher(name).matches()) {
                throw new InvalidArgumentException(field + ": not a sysctl name (parts of letters, digits, '_'"
                        + " and '-' joined by '.' or '/', at most " + MAX_NAME_LENGTH + " characters)");
            }
            checkValue(field, e.getValue());
            checkNamespace(field, name, hostNetwork, hostIpc);
            String earlier = spelledAs.putIfAbsent(name, e.getKey());
            if (earlier != null) {
                throw new InvalidArgumentException(field + ": the same sysctl as " + FIELD + "["
                        + Require.printable(earlier) + "]; set it once");
            }
            admitted.put(name, e.getValue());
        }
        return Collections.unmodifiableSortedMap(admitted);
    }

    /**
     * runc's conversion: a name whose first separator is a slash is in sysctl(8)'s slash form, where a dot
     * belongs to a part; swapping the two gives the dotted form. Any other name is already dotted.
     */
    static String dotted(String name) {
        int dot = name.indexOf('.');
        int slash = name.indexOf('/');
        if (slash < 0 || (dot >= 0 && dot < slash)) {
            return name;
        }
        StringBuilder out = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            out.append(c == '.' ? '/' : c == '/' ? '.' : c);
        }
        return out.toString();
    }

    private static void checkValue(String field, String value) {
        if (value.isEmpty() || value.length() > MAX_VALUE_LENGTH
                || value.chars().anyMatch(c -> c < 0x20 && c != '\t')) {
            throw new InvalidArgumentException(field + ": the value must be non-empty, at most " + MAX_VALUE_LENGTH
                    + " characters and free of control characters");
        }
    }

    private static void checkNamespace(String field, String name, boolean hostNetwork, boolean hostIpc) {
        if (IPC.contains(name) || name.startsWith("fs.mqueue.")) {
            if (hostIpc) {
                throw new InvalidArgumentException(field + ": an IPC sysctl cannot be set in a pod that shares the"
                        + " host's IPC namespace (namespace_options.ipc NODE); it would change the node");
            }
        } else if (name.startsWith("net.")) {
            if (hostNetwork) {
                throw new InvalidArgumentException(field + ": a net.* sysctl cannot be set in a pod on the host"
                        + " network (namespace_options.network NODE); it would change the node");
            }
        } else if (name.equals("kernel.domainname")) {
            if (hostNetwork) {
                throw new InvalidArgumentException(field + ": a UTS sysctl cannot be set in a pod on the host"
                        + " network, which shares the host's UTS namespace; it would change the node");
            }
        } else if (name.equals("kernel.hostname")) {
            throw new InvalidArgumentException(field + ": set the pod's host name with config.hostname instead");
        } else {
            throw new InvalidArgumentException(field + ": " + Require.printable(name) + " is not a namespaced"
                    + " sysctl; a pod could change the whole node with it");
        }
    }
}

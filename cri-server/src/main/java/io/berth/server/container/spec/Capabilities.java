package io.berth.server.container.spec;

import io.berth.common.error.InvalidArgumentException;
import io.berth.cri.v1.Capability;
import io.berth.cri.v1.LinuxContainerSecurityContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/** The capability sets of a container's first process, from containerd's defaults and the CRI add/drop lists. */
public final class Capabilities {
    /** Every capability Linux defines, in kernel number order (CAP_CHOWN is 0). */
    public static final List<String> ALL = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
            "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
            "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
            "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
            "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
            "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
            "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
            "CAP_CHECKPOINT_RESTORE");

    /** The set containerd's CRI plugin (and Docker) give an unprivileged container. */
    public static final List<String> DEFAULT = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
            "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
            "CAP_AUDIT_WRITE");

    private static final String FIELD = "config.linux.security_context.capabilities.";
    private static final Comparator<String> KERNEL_ORDER = Comparator.comparingInt(ALL::indexOf);

    private Capabilities() {}

    /** As {@link #of(LinuxContainerSecurityContext, List)} for a berthd that holds every capability. */
    public static OciSpec.Capabilities of(LinuxContainerSecurityContext sc) {
        return of(sc, ALL);
    }

    /**
     * "ALL" in add or drop is applied before the single names, as containerd does, so {@code add: [ALL],
     * drop: [CHOWN]} is everything but CHOWN and {@code drop: [ALL], add: [NET_BIND_SERVICE]} is that one.
     * "ALL" and privileged mean every capability in {@code grantable} (what berthd holds), not every one Linux
     * defines: in a user namespace or under a reduced bounding set the runtime could not grant the rest, and the
     * container would fail to start. A capability named singly is passed on as asked, so that asking for one the
     * host cannot give fails clearly. The inheritable set stays empty except for ambient capabilities
     * (CVE-2022-24769).
     */
    public static OciSpec.Capabilities of(LinuxContainerSecurityContext sc, List<String> grantable) {
        Capability req = sc.getCapabilities();
        List<String> add = canonical(req.getAddCapabilitiesList(), "add_capabilities", true);
        List<String> drop = canonical(req.getDropCapabilitiesList(), "drop_capabilities", true);
        List<String> ambient = canonical(req.getAddAmbientCapabilitiesList(), "add_ambient_capabilities", false);

        Set<String> granted = new TreeSet<>(KERNEL_ORDER);
        if (sc.getPrivileged()) {
            granted.addAll(grantable);
        } else {
            granted.addAll(DEFAULT);
            if (add.contains("ALL")) {
                granted.addAll(grantable);
            }
            if (drop.contains("ALL")) {
                granted.clear();
            }
            add.stream().filter(c -> !c.equals("ALL")).forEach(granted::add);
            drop.stream().filter(c -> !c.equals("ALL")).forEach(granted::remove);
        }
        // An ambient capability is only kept by the kernel when it is also permitted and inheritable.
        granted.addAll(ambient);
        Set<String> ambientSet = new TreeSet<>(KERNEL_ORDER);
        ambientSet.addAll(ambient);

        List<String> sets = List.copyOf(granted);
        List<String> amb = List.copyOf(ambientSet);
        return new OciSpec.Capabilities(sets, sets, amb, sets, amb);
    }

    /** Upper-cased, {@code CAP_}-prefixed names; an unknown name is an error naming the field. */
    /**
     * The known capabilities set in a {@code /proc/<pid>/status} mask ({@code CapEff:\t000001ffffffffff}), in
     * kernel order; bits above the last capability berth knows are ignored.
     */
    public static List<String> fromMask(long mask) {
        List<String> out = new ArrayList<>();
        for (int bit = 0; bit < ALL.size(); bit++) {
            if ((mask & (1L << bit)) != 0) {
                out.add(ALL.get(bit));
            }
        }
        return out;
    }

    static List<String> canonical(List<String> names, String field, boolean allowAll) {
        List<String> out = new ArrayList<>(names.size());
        for (String raw : names) {
            String n = raw.trim().toUpperCase(Locale.ROOT);
            if (allowAll && n.equals("ALL")) {
                out.add(n);
                continue;
            }
            String cap = n.startsWith("CAP_") ? n : "CAP_" + n;
            if (!ALL.contains(cap)) {
                String shown = raw.length() > 64 ? raw.substring(0, 64) + "..." : raw;
                throw new InvalidArgumentException(FIELD + field + ": unknown capability '" + shown + "'");
            }
            out.add(cap);
        }
        return out;
    }
}

package io.berth.netplugin.nft;

import io.berth.netplugin.HostPortMapping;
import java.net.InetAddress;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Generates berth's whole nftables table for one bridge as one {@code nft -f} script. The script declares
 * the table, deletes it and defines it again, which nft runs as one transaction: the kernel never holds a
 * half-written table, and a rebuild at start cannot leave stale rules of a pod that is gone.
 *
 * <ul>
 *   <li>{@code hostports}: DNAT per port mapping, entered from prerouting (other hosts, other pods) and
 *       output (the host itself) for local destination addresses only;</li>
 *   <li>{@code postrouting}: masquerade for connections from 127.0.0.1 DNATed onto the bridge (the pod
 *       could not answer 127.0.0.1), for pods calling a hostPort (hairpin included: the answer must pass the
 *       host to be un-DNATed; {@code iifname} cannot be used, postrouting has no input device) and for pod
 *       egress;</li>
 *   <li>{@code forward}: unless egress is allowed, drops anything forwarded between the bridge and any
 *       other interface, so no pod packet leaves the machine.</li>
 * </ul>
 */
public final class NftRuleset {
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9_-]{1,15}");
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9_.-]{1,128}");

    private NftRuleset() {}

    /** berth's table for a bridge; one table per bridge so that daemons on separate bridges never meet. */
    public static String tableName(String bridge) {
        requireSafe(bridge, SAFE_NAME, "bridge name");
        return "berth_" + bridge.replace('-', '_');
    }

    public static String script(String bridge, boolean allowEgress, List<PodRules> pods) {
        String table = tableName(bridge);
        String br = "\"" + bridge + "\"";
        StringBuilder s = new StringBuilder();
        s.append("table inet ").append(table).append("\n");
        s.append("delete table inet ").append(table).append("\n");
        s.append("table inet ").append(table).append(" {\n");
        s.append("\tchain hostports {\n");
        for (PodRules pod : pods) {
            requireSafe(pod.podId(), SAFE_ID, "pod id");
            for (HostPortMapping m : pod.portMappings()) {
                InetAddress target = target(pod, m);
                if (target != null) {
                    s.append("\t\t").append(dnat(m, target)).append(" comment \"pod ").append(pod.podId())
                            .append("\"\n");
                }
            }
        }
        s.append("\t}\n");
        s.append("\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n")
                .append("\t\tfib daddr type local jump hostports\n\t}\n");
        s.append("\tchain output {\n\t\ttype nat hook output priority -100; policy accept;\n")
                .append("\t\tfib daddr type local jump hostports\n\t}\n");
        s.append("\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
        s.append("\t\toifname ").append(br).append(" ip saddr 127.0.0.0/8 ct status dnat masquerade\n");
        for (PodRules pod : pods) {
            for (InetAddress ip : pod.ips()) {
                // Hairpin and pod-to-hostPort: the answer must come back through the host to be un-DNATed.
                s.append("\t\toifname ").append(br).append(" ").append(family(ip)).append(" saddr ")
                        .append(ip.getHostAddress()).append(" ct status dnat masquerade comment \"pod ")
                        .append(pod.podId()).append("\"\n");
                s.append("\t\t").append(family(ip)).append(" saddr ").append(ip.getHostAddress())
                        .append(" oifname != ").append(br).append(" masquerade comment \"pod ")
                        .append(pod.podId()).append("\"\n");
            }
        }
        s.append("\t}\n");
        s.append("\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n");
        if (!allowEgress) {
            s.append("\t\tiifname ").append(br).append(" oifname != ").append(br).append(" drop\n");
            s.append("\t\toifname ").append(br).append(" iifname != ").append(br).append(" drop\n");
        }
        s.append("\t}\n");
        s.append("}\n");
        return s.toString();
    }

    /** A script that removes the table if it is there (declaring it first makes the delete never fail). */
    public static String removal(String bridge) {
        String table = tableName(bridge);
        return "table inet " + table + "\ndelete table inet " + table + "\n";
    }

    /** The pod address the mapping goes to: the one of the host IP's family, IPv4 when the host IP is any. */
    static InetAddress target(PodRules pod, HostPortMapping m) {
        boolean v6 = m.hostIpIsV6();
        for (InetAddress ip : pod.ips()) {
            if ((ip.getAddress().length == 16) == v6) {
                return ip;
            }
        }
        return null;
    }

    static String dnat(HostPortMapping m, InetAddress target) {
        boolean v6 = target.getAddress().length == 16;
        String fam = v6 ? "ip6" : "ip";
        StringBuilder r = new StringBuilder();
        if (m.anyHostIp()) {
            r.append("meta nfproto ").append(v6 ? "ipv6" : "ipv4").append(' ');
        } else {
            r.append(fam).append(" daddr ").append(m.hostIp()).append(' ');
        }
        r.append(m.protocol().lower()).append(" dport ").append(m.hostPort())
                .append(" dnat ").append(fam).append(" to ")
                .append(v6 ? "[" + target.getHostAddress() + "]" : target.getHostAddress())
                .append(':').append(m.containerPort());
        return r.toString();
    }

    private static String family(InetAddress ip) {
        return ip.getAddress().length == 16 ? "ip6" : "ip";
    }

    private static void requireSafe(String value, Pattern p, String what) {
        if (value == null || !p.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " '" + value + "' cannot appear in an nft script");
        }
    }
}

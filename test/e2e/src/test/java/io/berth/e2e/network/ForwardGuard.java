package io.berth.e2e.network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * What a test class that runs Debian's CNI plugins owes the machine. CNI's bridge plugin turns the global
 * {@code ip_forward} on, and portmap creates the {@code ip nat}/{@code ip6 nat} tables through iptables-nft.
 * While the class runs, a table of its own drops anything forwarded between its bridge and any other
 * interface, so no pod packet can be routed off this machine; {@link #close()} restores ip_forward and
 * removes the guard and the nat tables that did not exist before.
 */
public final class ForwardGuard implements AutoCloseable {
    private static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");
    private static final Set<String> PORTMAP_TABLES = Set.of("table ip nat", "table ip6 nat");

    private final String table;
    private final String ipForward;
    private final Set<String> tablesBefore;

    private ForwardGuard(String table, String ipForward, Set<String> tablesBefore) {
        this.table = table;
        this.ipForward = ipForward;
        this.tablesBefore = tablesBefore;
    }

    /** Installs the guard for the class's bridges; the table is named after the first. */
    public static ForwardGuard install(String... bridges) throws Exception {
        String table = "berth_e2e_guard_" + bridges[0].replace('-', '_');
        ForwardGuard guard = new ForwardGuard(table, Files.readString(IP_FORWARD).trim(), HostNetwork.nftTables());
        // Priority -10: before any accept of another table's forward chain at the filter priority.
        StringBuilder script = new StringBuilder("table inet " + table + " {\n chain forward {\n"
                + "  type filter hook forward priority -10; policy accept;\n");
        for (String bridge : bridges) {
            script.append("  iifname \"").append(bridge).append("\" oifname != \"").append(bridge).append("\" drop\n")
                    .append("  oifname \"").append(bridge).append("\" iifname != \"").append(bridge).append("\" drop\n");
        }
        script.append(" }\n}\n");
        Path file = Files.createTempFile("guard", ".nft");
        try {
            Files.writeString(file, script.toString());
            String out = HostNetwork.run("nft", "-f", file.toString());
            if (!HostNetwork.nftTables().contains("table inet " + table)) {
                throw new IllegalStateException("could not install the forward guard: " + out);
            }
        } finally {
            Files.deleteIfExists(file);
        }
        return guard;
    }

    /** Call after every pod is gone: portmap's DEL still writes to the nat tables. */
    @Override
    public void close() throws IOException {
        Files.writeString(IP_FORWARD, ipForward);
        for (String t : HostNetwork.nftTables()) {
            if (PORTMAP_TABLES.contains(t) && !tablesBefore.contains(t)) {
                String[] words = t.split(" ");
                HostNetwork.deleteTable(words[1], words[2]);
            }
        }
        HostNetwork.deleteTable("inet", table);
    }
}

package io.berth.linux.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.berth.linux.Namespaces;
import io.berth.linux.Posix;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetDevStatsTest {
    static final String SAMPLE = String.join("\n",
            "Inter-|   Receive                                                |  Transmit",
            " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls "
                    + "carrier compressed",
            "    lo: 13285746    4176    0    0    0     0          0         0 13285746    4176    0    0    0     0"
                    + "       0          0",
            "  eth0: 235434290    5886    3    1    0     0          0         0   511888    4376    2    4    0     0"
                    + "       0          0",
            "veth1234abcd:18446744073709551615 1 0 0 0 0 0 0 7 1 0 0 0 0 0 0", "");

    @TempDir
    Path dir;

    @Test
    void eachInterfaceLineGivesItsCounters() {
        List<InterfaceCounters> all = NetDevStats.parse(SAMPLE);
        assertThat(all).extracting(InterfaceCounters::name).containsExactly("lo", "eth0", "veth1234abcd");
        assertThat(all.get(1)).isEqualTo(new InterfaceCounters("eth0", 235434290, 5886, 3, 1, 511888, 4376, 2, 4));
        assertThat(all.get(2).rxBytes()).as("a u64 beyond LONG_MAX keeps its bits").isEqualTo(-1L);
        assertThat(Long.toUnsignedString(all.get(2).rxBytes())).isEqualTo("18446744073709551615");
        assertThat(all.get(2).txBytes()).isEqualTo(7);
    }

    @Test
    void theCallingThreadsNamespaceIsReadInsideAPinnedNetns() throws Exception {
        assumeThat(Posix.euid()).as("creating a network namespace needs root").isZero();
        List<String> host = names(NetDevStats.ofCallingThread());
        assumeThat(host).as("the host has an interface besides lo").isNotEqualTo(List.of("lo"));

        Path ns = dir.resolve("net");
        Namespaces.createPinned(Namespaces.Kind.NET, ns, null);
        try {
            List<String> inside = Namespaces.runIn(Namespaces.Kind.NET, ns, () -> names(NetDevStats.ofCallingThread()));
            assertThat(inside).as("a new netns has only its loopback").containsExactly("lo");

            // Why thread-self: /proc/self (and /proc/net) follow the thread-group leader, which stayed on the host.
            List<String> viaSelf = Namespaces.runIn(Namespaces.Kind.NET, ns,
                    () -> names(NetDevStats.read(Path.of("/proc/self/net/dev"))));
            // Other suites on a shared CI host add and remove veths meanwhile: compare with the interfaces the
            // host had both before and after, not with one moment's exact list.
            List<String> hostAfter = names(NetDevStats.ofCallingThread());
            List<String> throughout = host.stream().filter(hostAfter::contains).toList();
            assertThat(viaSelf).as("the host's interfaces").containsAll(throughout).hasSizeGreaterThan(1);
        } finally {
            Namespaces.removePinned(ns);
        }
    }

    private static List<String> names(List<InterfaceCounters> counters) {
        return counters.stream().map(InterfaceCounters::name).toList();
    }
}

package io.berth.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.net.InetAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real rtnetlink, as root. Everything happens in two namespaces made here: "node" stands in for the host,
 * so this test never adds a link or an address to the machine it runs on.
 */
class NetlinkTest {
    @TempDir
    Path dir;
    Path node;
    Path pod;

    @BeforeEach
    void namespaces() throws Exception {
        assumeThat(Posix.euid()).as("netlink tests need root").isZero();
        node = dir.resolve("node");
        pod = dir.resolve("pod");
        Namespaces.createPinned(Namespaces.Kind.NET, node, null);
        Namespaces.createPinned(Namespaces.Kind.NET, pod, null);
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (node != null) {
            Namespaces.removePinned(node);
            Namespaces.removePinned(pod);
        }
    }

    @Test
    void bridgeVethAddressesRoutesAndHairpin() throws Exception {
        try (Netlink host = Netlink.in(node)) {
            host.createBridge("tbr0", 1400);
            host.addAddress("tbr0", InetAddress.getByName("10.213.250.1"), 24);
            host.setUp("tbr0");
            host.createVethPair("tveth0", "eth0", 1400, pod);
            int bridge = host.link("tbr0").orElseThrow().index();
            host.setMaster("tveth0", bridge);
            host.setHairpin("tveth0", true);
            host.setUp("tveth0");

            Netlink.Link veth = host.link("tveth0").orElseThrow();
            assertThat(veth.master()).isEqualTo(bridge);
            assertThat(veth.kind()).isEqualTo("veth");
            assertThat(veth.mtu()).isEqualTo(1400);
            assertThat(host.link("tbr0").orElseThrow().kind()).isEqualTo("bridge");
            assertThat(host.link("eth0")).as("the peer never appears in the node namespace").isEmpty();
            assertThat(bridgeLinkDetails("tveth0")).contains("hairpin on");

            try (Netlink inside = Netlink.in(pod)) {
                inside.setUp("lo");
                inside.setUp("eth0");
                inside.addAddress("eth0", InetAddress.getByName("10.213.250.5"), 24);
                inside.addDefaultRoute("eth0", InetAddress.getByName("10.213.250.1"));
                assertThat(inside.link("eth0").orElseThrow().up()).isTrue();
                assertThat(inside.addresses(Netlink.AF_INET)).extracting(a -> a.address().getHostAddress())
                        .contains("127.0.0.1", "10.213.250.5");
                assertThat(inside.routes(Netlink.AF_INET)).anySatisfy(r -> {
                    assertThat(r.prefixLength()).isZero();
                    assertThat(r.table()).isEqualTo(Netlink.RT_TABLE_MAIN);
                });
                assertThatThrownBy(() -> inside.addAddress("eth0", InetAddress.getByName("10.213.250.5"), 24))
                        .isInstanceOf(ErrnoException.class)
                        .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(ErrnoException.EEXIST))
                        .hasMessageContaining("RTM_NEWADDR 10.213.250.5/24 dev eth0");
            }
            assertThat(host.deleteLink("tveth0")).isTrue();
            assertThat(host.deleteLink("tveth0")).as("second delete: already gone").isFalse();
            try (Netlink inside = Netlink.in(pod)) {
                assertThat(inside.link("eth0")).as("deleting one end takes the peer").isEmpty();
            }
        }
    }

    @Test
    void errorsNameTheRequestAndTheErrno() throws Exception {
        try (Netlink host = Netlink.in(node)) {
            host.createBridge("tbr1", 0);
            assertThatThrownBy(() -> host.createBridge("tbr1", 0))
                    .isInstanceOf(ErrnoException.class)
                    .hasMessageContaining("RTM_NEWLINK bridge tbr1").hasMessageContaining("EEXIST");
            assertThatThrownBy(() -> host.setUp("nosuch0"))
                    .isInstanceOf(ErrnoException.class).hasMessageContaining("ENODEV");
        }
    }

    /** Observes with iproute2's {@code bridge} tool, which is independent of the code under test. */
    private String bridgeLinkDetails(String port) throws Exception {
        Process p = new ProcessBuilder("nsenter", "--net=" + node, "bridge", "-d", "link", "show", "dev", port)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }
}

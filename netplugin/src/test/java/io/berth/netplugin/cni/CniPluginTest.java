package io.berth.netplugin.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.UnavailableException;
import io.berth.netplugin.NetworkPlugin;
import io.berth.netplugin.PluginStatus;
import io.berth.netplugin.NetworkPluginContract;
import io.berth.netplugin.PodRequest;
import io.berth.netplugin.ip.Cidr;
import io.berth.netplugin.nft.Nft;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract through Debian's CNI plugins (bridge + host-local + portmap + loopback from /usr/lib/cni).
 * CNI's bridge plugin turns the global ip_forward on; the test saves and restores it, and for its
 * duration a guard table drops anything forwarded between the test bridge and any other interface.
 */
class CniPluginTest extends NetworkPluginContract {
    static final String BRIDGE = "tcni-contract";
    static final Cidr SUBNET = Cidr.parse("10.213.79.0/24", "subnet");
    static final Path BIN = Path.of("/usr/lib/cni");
    private static final String GUARD = "table inet berth_test_cni_guard {\n chain forward {\n"
            + "  type filter hook forward priority -10; policy accept;\n"
            + "  iifname \"" + BRIDGE + "\" oifname != \"" + BRIDGE + "\" drop\n"
            + "  oifname \"" + BRIDGE + "\" iifname != \"" + BRIDGE + "\" drop\n }\n}\n";
    private String ipForward;
    private Set<String> tablesBefore;

    @BeforeEach
    void guard() throws Exception {
        ipForward = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).trim();
        tablesBefore = tables();
        new Nft("nft").apply(GUARD);
    }

    /** Runs after the contract tore every pod down (portmap's DEL still writes to the nat tables). */
    private void restoreHost() throws Exception {
        if (ipForward != null) {
            Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), ipForward);
            // Tables portmap created through iptables-nft for this test (none existed before it).
            for (String t : tables()) {
                if (!tablesBefore.contains(t) && (t.equals("table ip nat") || t.equals("table ip6 nat"))) {
                    String[] words = t.split(" ");
                    run("nft", "delete", "table", words[1], words[2]);
                }
            }
            new Nft("nft").apply("table inet berth_test_cni_guard\ndelete table inet berth_test_cni_guard\n");
        }
    }

    private static Set<String> tables() throws Exception {
        return new HashSet<>(run("nft", "list", "tables").lines().map(String::trim).toList());
    }

    @Override
    protected NetworkPlugin newPlugin() throws Exception {
        Path conf = Files.createDirectories(dir.resolve("net.d"));
        Files.writeString(conf.resolve("10-test.conflist"), conflist(SUBNET, dir.resolve("ipam")));
        return new CniPlugin(conf, List.of(Path.of("/opt/cni/bin"), BIN), dir.resolve("cni-state"));
    }

    static String conflist(Cidr subnet, Path ipamDir) {
        return """
                {"cniVersion": "1.0.0", "name": "berth-test",
                 "plugins": [
                  {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": false, "hairpinMode": true,
                   "ipam": {"type": "host-local", "ranges": [[{"subnet": "%s"}]], "routes": [{"dst": "0.0.0.0/0"}],
                            "dataDir": "%s"}},
                  {"type": "portmap", "capabilities": {"portMappings": true}, "snat": true},
                  {"type": "loopback"}
                 ]}
                """.formatted(BRIDGE, subnet, ipamDir);
    }

    @Override
    protected String bridgeName() {
        return BRIDGE;
    }

    @Override
    protected Cidr subnet() {
        return SUBNET;
    }

    @Override
    protected String hostRules() throws Exception {
        return run("nft", "list", "ruleset");
    }

    @Override
    protected Set<String> addressHolders() throws Exception {
        Set<String> out = new HashSet<>();
        Path d = dir.resolve("ipam").resolve("berth-test");
        if (Files.isDirectory(d)) {
            try (Stream<Path> s = Files.list(d)) {
                for (Path f : s.toList()) {
                    if (f.getFileName().toString().startsWith("10.")) {
                        out.add(Files.readAllLines(f).get(0).trim());
                    }
                }
            }
        }
        return out;
    }

    @Override
    protected void cleanUpHost() throws Exception {
        run("ip", "link", "del", BRIDGE);
        restoreHost();
    }

    @Test
    void statusNamesAMissingConfigABrokenFileAndAMissingBinary() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        PluginStatus none = new CniPlugin(empty, List.of(BIN), dir.resolve("s1")).status();
        assertThat(none.ready()).isFalse();
        assertThat(none.message()).contains("no CNI configuration in " + empty);

        Path broken = Files.createDirectories(dir.resolve("broken"));
        Files.writeString(broken.resolve("00-bad.conflist"), "{\"cniVersion\": \"1.0.0\", \"name\": ");
        Files.writeString(broken.resolve("10-good.conflist"), conflist(SUBNET, dir.resolve("ipam")));
        PluginStatus bad = new CniPlugin(broken, List.of(BIN), dir.resolve("s2")).status();
        assertThat(bad.ready()).isFalse();
        assertThat(bad.message()).contains("00-bad.conflist is not valid JSON");

        Path missing = Files.createDirectories(dir.resolve("missing"));
        Files.writeString(missing.resolve("10.conf"),
                "{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"type\": \"no-such-plugin\"}");
        CniPlugin noBinary = new CniPlugin(missing, List.of(BIN), dir.resolve("s3"));
        assertThat(noBinary.status().message()).contains("CNI plugin 'no-such-plugin' is not in any of the bin dirs");
        PodRequest pod = pods.pod("web", List.of());
        assertThatThrownBy(() -> noBinary.setUp(pod)).isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("no-such-plugin");
        assertThat(dir.resolve("s3/results")).doesNotExist();
    }

    @Test
    void aMissingIpamBinaryIsNamedBeforeAnyPluginRuns() throws Exception {
        Path conf = Files.createDirectories(dir.resolve("no-ipam"));
        Files.writeString(conf.resolve("10.conflist"), conflist(SUBNET, dir.resolve("ipam"))
                .replace("\"host-local\"", "\"no-such-ipam\""));
        CniPlugin noIpam = new CniPlugin(conf, List.of(BIN), dir.resolve("s4"));
        assertThat(noIpam.status().ready()).isFalse();
        assertThat(noIpam.status().message()).contains("CNI plugin 'no-such-ipam' is not in any of the bin dirs");
        assertThatThrownBy(() -> noIpam.setUp(pods.pod("web", List.of())))
                .isInstanceOf(FailedPreconditionException.class).hasMessageContaining("no-such-ipam");
        assertThat(dir.resolve("s4/results")).doesNotExist();
    }

    @Test
    void anExhaustedRangeFailsInThePluginAndLeavesNothing() throws Exception {
        Path conf = Files.createDirectories(dir.resolve("tiny"));
        Files.writeString(conf.resolve("10.conflist"), conflist(Cidr.parse("10.213.79.0/30", "s"), dir.resolve("ipam")));
        CniPlugin tiny = new CniPlugin(conf, List.of(BIN), dir.resolve("tiny-state"));
        PodRequest first = pods.pod("first", List.of());
        PodRequest second = pods.pod("second", List.of());
        try {
            tiny.setUp(first);
            assertThatThrownBy(() -> tiny.setUp(second)).isInstanceOf(UnavailableException.class)
                    .hasMessageStartingWith("pod network set-up failed: CNI plugin bridge ADD failed")
                    .hasMessageContaining("no IP addresses available")
                    .hasCauseInstanceOf(CniPluginException.class);
            assertThat(bridgePorts()).hasSize(1);
            assertThat(addressHolders()).doesNotContain(second.id());
        } finally {
            tiny.tearDown(first.id());
            tiny.tearDown(second.id());
        }
    }

    @Test
    void aPluginFailureReachesTheCallerAsTheSpecsCodeMeansIt() {
        assertThat(new CniPluginException("bridge", "ADD", 7, "bad config").forCaller())
                .isInstanceOf(FailedPreconditionException.class)
                .hasMessage("pod network set-up failed: CNI plugin bridge ADD failed (code 7): bad config");
        assertThat(new CniPluginException("calico", "ADD", 11, "datastore busy").forCaller())
                .isInstanceOf(UnavailableException.class);
        assertThat(new CniPluginException("bridge", "ADD", 999, "no IP addresses available").forCaller())
                .isInstanceOf(UnavailableException.class);
        assertThat(new CniPluginException("odd", "ADD", -1, "no message").forCaller())
                .isInstanceOf(UnavailableException.class);
    }

    @Test
    void cniArgsCarryTheKubernetesKeysAndRefuseForgedOnes() {
        PodRequest pod = new PodRequest("abc", "default", "web", "u-1", Path.of("/x"), List.of(), null);
        assertThat(CniPlugin.cniArgs(pod)).isEqualTo(
                "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=abc;K8S_POD_UID=u-1");
        PodRequest forged = new PodRequest("abc", "default", "web;K8S_POD_NAMESPACE=kube-system", "u", Path.of("/x"),
                List.of(), null);
        assertThatThrownBy(() -> CniPlugin.cniArgs(forged)).hasMessageContaining("config.metadata.name");
    }

}

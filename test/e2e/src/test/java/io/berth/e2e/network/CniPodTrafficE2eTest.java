package io.berth.e2e.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.ScratchDir;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The traffic suite through berth's CNI path, running Debian's containernetworking-plugins from
 * /usr/lib/cni: bridge + host-local + portmap + loopback, from a conflist in a temp cni_conf_dir.
 */
class CniPodTrafficE2eTest extends PodTrafficSuite {
    static final String NETWORK = "berth-e2e-traffic";

    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static ForwardGuard guard;
    private static Path ipamDir;

    @BeforeAll
    static void startPods() throws Exception {
        bed = null;
        String bridge = HostNetwork.uniqueBridge("cnt");
        String subnet = HostNetwork.freeSubnet(231);
        guard = ForwardGuard.install(bridge);
        ScratchDir conf = daemons.scratchDir("net-cni-conf-");
        ipamDir = conf.resolve("ipam");
        conf.write("10-traffic.conflist", conflist(NETWORK, bridge, subnet, ipamDir));
        startWebAndClientPods(NetTestbed.start(daemons, bridge, subnet, cniNetwork(conf.path())));
    }

    @AfterAll
    static void removePodsAndRestoreTheHost() throws Exception {
        try {
            if (bed != null) {
                bed.close();
            }
        } finally {
            if (guard != null) {
                guard.close();
            }
        }
    }

    /** berthd's {@code [network]} section for the CNI path with Debian's plugin dir. */
    static String cniNetwork(Path confDir) {
        return "[network]\nplugin = \"cni\"\ncni_conf_dir = \"" + confDir + "\"\ncni_bin_dirs = [\"/usr/lib/cni\"]\n";
    }

    /**
     * A kubelet-style chain. ipMasq is off: pods only talk to the node and to each other here, and masquerade
     * rules for a test range have no business in the host's nat table.
     */
    static String conflist(String network, String bridge, String subnet, Path ipamDir) {
        return """
                {"cniVersion": "1.0.0", "name": "%s",
                 "plugins": [
                  {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": false, "hairpinMode": true,
                   "ipam": {"type": "host-local", "ranges": [[{"subnet": "%s"}]], "routes": [{"dst": "0.0.0.0/0"}],
                            "dataDir": "%s"}},
                  {"type": "portmap", "capabilities": {"portMappings": true}, "snat": true},
                  {"type": "loopback"}
                 ]}
                """.formatted(network, bridge, subnet, ipamDir);
    }

    @Override
    protected Map<String, String> allocations() throws Exception {
        return IpamFiles.read(ipamDir.resolve(NETWORK));
    }

    @Override
    protected String hostRules() {
        return HostNetwork.nftRuleset();
    }

    @Test
    void berthPassesThePodIdAndThePortMappingsToThePlugins() throws Exception {
        // host-local records CNI_CONTAINERID, which berth sets to the pod sandbox id.
        assertThat(allocations()).containsEntry(webIp, webPod);
        // portmap got the hostPort through runtimeConfig, which only a plugin declaring the capability receives.
        assertThat(HostNetwork.mentionsPort(hostRules(), webHostPort)).isTrue();
        assertThat(HostNetwork.nftTables()).as("the CNI path does not use berth's own table")
                .doesNotContain("table inet " + HostNetwork.berthTable(bed.bridge()));
    }
}

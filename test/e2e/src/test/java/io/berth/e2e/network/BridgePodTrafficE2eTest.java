package io.berth.e2e.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.e2e.harness.E2eDaemons;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The traffic suite through berth's built-in bridge plugin (netlink bridge, host-local IPAM, nftables). */
class BridgePodTrafficE2eTest extends PodTrafficSuite {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    @BeforeAll
    static void startPods() throws Exception {
        bed = null;
        String bridge = HostNetwork.uniqueBridge("bnt");
        String subnet = HostNetwork.freeSubnet(230);
        startWebAndClientPods(NetTestbed.start(daemons, bridge, subnet, NetTestbed.bridgeNetwork(bridge, subnet)));
    }

    @AfterAll
    static void removePods() {
        if (bed != null) {
            bed.close();
        }
    }

    @Override
    protected Map<String, String> allocations() throws Exception {
        Path dir = bed.berthd().state().resolve("network/bridge-" + bed.bridge() + "/ipam/"
                + bed.subnet().replace('/', '_'));
        return IpamFiles.read(dir);
    }

    @Override
    protected String hostRules() {
        return HostNetwork.berthRules(bed.bridge()).orElse("");
    }

    @Test
    void eachPodHasItsNamedVethOnTheBridgeAndTheTableKeepsPodTrafficOnTheNode() {
        assertThat(HostNetwork.portsOf(bed.bridge())).contains(HostNetwork.berthVeth(webPod),
                HostNetwork.berthVeth(clientPod));
        // allow_egress defaults to false: nothing is forwarded between the bridge and another interface.
        assertThat(hostRules()).contains("iifname \"" + bed.bridge() + "\" oifname != \"" + bed.bridge() + "\" drop")
                .contains("oifname \"" + bed.bridge() + "\" iifname != \"" + bed.bridge() + "\" drop");
    }
}

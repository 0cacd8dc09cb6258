package io.berth.e2e.network;

import static io.berth.e2e.network.NetPods.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.cri.v1.ContainerStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Real traffic between real containers through a packaged berthd, the same for every network plugin. A
 * subclass starts a {@link NetTestbed} for its plugin and hands it to {@link #startWebAndClientPods}; then
 * a "web" pod runs busybox httpd with a hostPort, and a "client" pod runs one short-lived container per
 * check, whose exit code and CRI log say what it got. Every address used is the pods' own, the bridge
 * gateway, 127.0.0.1 or the node's own address: nothing leaves the machine.
 */
abstract class PodTrafficSuite {
    private static final Duration SERVER_START = Duration.ofSeconds(60);

    // Set by the running subclass's @BeforeAll; classes run one at a time (no parallel execution is configured).
    static NetTestbed bed;
    static String webPod;
    static String webIp;
    static int webHostPort;
    static String clientPod;
    static String clientIp;

    /** Address → holder of every allocation in the plugin's IPAM store (the holder is the pod id). */
    protected abstract Map<String, String> allocations() throws Exception;

    /** The host's rules where the plugin puts pod rules (berth's table, or the whole ruleset for CNI). */
    protected abstract String hostRules();

    static void startWebAndClientPods(NetTestbed testbed) {
        bed = testbed;
        webHostPort = NetPods.freeHostPort();
        webPod = bed.pods().run(bed.pods().config("web", tcp(WebImage.HTTP_PORT, webHostPort)));
        webIp = bed.pods().ip(webPod);
        bed.pods().start(webPod, "httpd", WebImage.httpd());
        clientPod = bed.pods().run(bed.pods().config("client"));
        clientIp = bed.pods().ip(clientPod);
        // The host reaches pod addresses over the bridge: wait here until the server listens.
        await().atMost(SERVER_START).ignoreExceptions()
                .until(() -> HttpProbe.get(webIp, WebImage.HTTP_PORT).contains(WebImage.PAGE));
    }

    @Test
    void podsGetDistinctAddressesInTheSubnet() throws Exception {
        assertThat(webIp).startsWith(bed.addressPrefix());
        assertThat(clientIp).startsWith(bed.addressPrefix()).isNotEqualTo(webIp).isNotEqualTo(bed.gateway());
        assertThat(allocations()).containsEntry(webIp, webPod).containsEntry(clientIp, clientPod);
        assertThat(HostNetwork.portsOf(bed.bridge())).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void twoPodsExchangeHttp() {
        ContainerStatus client = bed.pods().runToExit(clientPod, "http-get", WebImage.get(webIp, WebImage.HTTP_PORT));
        String answer = NetPods.output(client);
        assertThat(client.getExitCode()).as("nc's exit code; it wrote: %s", answer).isZero();
        assertThat(answer).startsWith("HTTP/1.").contains(" 200 ").contains(WebImage.PAGE);
    }

    @Test
    void aPodReachesTheBridgeGatewayWithItsOwnAddress() throws Exception {
        try (GatewayListener node = GatewayListener.on(bed.gateway())) {
            ContainerStatus client = bed.pods().runToExit(clientPod, "to-gateway",
                    "sh", "-c", "echo hello from a pod | nc -w 10 " + bed.gateway() + " " + node.port());
            String answer = NetPods.output(client);
            assertThat(client.getExitCode()).as("nc's exit code; it wrote: %s", answer).isZero();
            assertThat(answer).contains(GatewayListener.GREETING);
            assertThat(node.peers()).as("the host saw the pod itself, not a NAT address").containsExactly(clientIp);
        }
    }

    @Test
    void aHostPortAnswersTheHostOnLoopbackTheGatewayAndTheNodeAddress() throws Exception {
        List<String> addresses = new ArrayList<>(List.of("127.0.0.1", bed.gateway()));
        HostNetwork.nodeAddress().ifPresent(addresses::add);
        for (String address : addresses) {
            assertThat(HttpProbe.get(address, webHostPort)).as("hostPort %d on %s", webHostPort, address)
                    .contains(" 200 ").contains(WebImage.PAGE);
        }
    }

    @Test
    void aHostPortAnswersAnotherPodAndThePodItself() {
        List<String> addresses = new ArrayList<>(List.of(bed.gateway()));
        Optional<String> node = HostNetwork.nodeAddress();
        node.ifPresent(addresses::add);
        for (int i = 0; i < addresses.size(); i++) {
            ContainerStatus client = bed.pods().runToExit(clientPod, "hostport-" + i,
                    WebImage.get(addresses.get(i), webHostPort));
            assertThat(NetPods.output(client)).as("from the client pod to %s:%d", addresses.get(i), webHostPort)
                    .contains(" 200 ").contains(WebImage.PAGE);
            assertThat(client.getExitCode()).isZero();
        }
        // Hairpin: the DNATed packet goes back out of the port it came in on.
        ContainerStatus self = bed.pods().runToExit(webPod, "hairpin", WebImage.get(bed.gateway(), webHostPort));
        assertThat(NetPods.output(self)).as("from the web pod to its own hostPort").contains(WebImage.PAGE);
        assertThat(self.getExitCode()).isZero();
    }

    @Test
    void aHostPortWithAHostIpAnswersOnThatAddressOnly() throws Exception {
        int hostPort = NetPods.freeHostPort();
        String pod = bed.pods().run(bed.pods().config("loopback-only", tcp(WebImage.HTTP_PORT, hostPort).toBuilder()
                .setHostIp("127.0.0.1").build()));
        try {
            bed.pods().start(pod, "httpd", WebImage.httpd());
            await().atMost(SERVER_START).ignoreExceptions()
                    .until(() -> HttpProbe.get("127.0.0.1", hostPort).contains(WebImage.PAGE));
            assertThat(HttpProbe.unanswered(bed.gateway(), hostPort)).as("the same port on the gateway").isTrue();
        } finally {
            bed.pods().remove(pod);
        }
    }

    @Test
    void trafficFlowsThroughAKillDashNineAndARestartOfBerthd() {
        bed.pods().start(clientPod, "before-kill", "true");
        bed.berthd().kill9();
        // Pod networking is the kernel's: it does not depend on berthd running.
        assertThat(HttpProbe.unanswered("127.0.0.1", webHostPort)).as("hostPort while berthd is down").isFalse();
        bed.berthd().restart();
        assertThat(HttpProbe.unanswered("127.0.0.1", webHostPort)).as("hostPort after the restart").isFalse();
        ContainerStatus client = bed.pods().runToExit(clientPod, "after-restart",
                WebImage.get(bed.gateway(), webHostPort));
        assertThat(NetPods.output(client)).contains(WebImage.PAGE);
        assertThat(client.getExitCode()).isZero();
    }

    @Test
    void stopTakesTheVethTheAddressAndTheRulesAwayAndRemoveKeepsItSo() throws Exception {
        List<String> portsBefore = HostNetwork.portsOf(bed.bridge());
        int hostPort = NetPods.freeHostPort();
        String pod = bed.pods().run(bed.pods().config("short-lived", tcp(WebImage.HTTP_PORT, hostPort)));
        String ip = bed.pods().ip(pod);
        bed.pods().start(pod, "httpd", WebImage.httpd());
        await().atMost(SERVER_START).ignoreExceptions()
                .until(() -> HttpProbe.get("127.0.0.1", hostPort).contains(WebImage.PAGE));
        List<String> veths = new ArrayList<>(HostNetwork.portsOf(bed.bridge()));
        veths.removeAll(portsBefore);
        assertThat(veths).as("the pod's veth on %s", bed.bridge()).hasSize(1);
        assertThat(allocations()).containsEntry(ip, pod);
        assertThat(HostNetwork.mentionsPort(hostRules(), hostPort)).as("a DNAT rule for %d", hostPort).isTrue();
        assertThat(HostNetwork.mentionsAddress(hostRules(), ip)).as("rules for %s", ip).isTrue();

        bed.pods().stop(pod);
        assertNothingLeftOf(pod, ip, veths.get(0), hostPort);
        assertThat(bed.pods().listed()).as("a stopped pod stays listed until removed").contains(pod);

        bed.pods().remove(pod);
        assertNothingLeftOf(pod, ip, veths.get(0), hostPort);
        assertThat(bed.pods().listed()).doesNotContain(pod);
        assertThat(HostNetwork.portsOf(bed.bridge())).containsExactlyInAnyOrderElementsOf(portsBefore);
    }

    private void assertNothingLeftOf(String pod, String ip, String veth, int hostPort) throws Exception {
        assertThat(HostNetwork.links()).as("ip -o link").doesNotContain(veth);
        assertThat(allocations()).doesNotContainKey(ip).doesNotContainValue(pod);
        String rules = hostRules();
        assertThat(HostNetwork.mentionsPort(rules, hostPort)).as("rules mention port %d:\n%s", hostPort, rules).isFalse();
        assertThat(HostNetwork.mentionsAddress(rules, ip)).as("rules mention %s:\n%s", ip, rules).isFalse();
        // The pod's address is this class's alone, so no table of anyone may name it any more.
        assertThat(HostNetwork.mentionsAddress(HostNetwork.nftRuleset(), ip)).as("nft list ruleset names %s", ip)
                .isFalse();
        assertThat(HttpProbe.unanswered("127.0.0.1", hostPort)).as("hostPort %d after stop", hostPort).isTrue();
    }
}

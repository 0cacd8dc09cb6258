package io.berth.netplugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.berth.linux.Netlink;
import io.berth.linux.Posix;
import io.berth.netplugin.ip.Cidr;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every network plugin must do, run against real namespaces, veths and rules (root only). A subclass
 * supplies a plugin on a test-owned bridge and subnet, a way to see its host rules and its address
 * allocations, and the host clean-up. All traffic stays on loopback and in the test's own namespaces.
 */
public abstract class NetworkPluginContract {
    @TempDir
    protected Path dir;
    protected TestPods pods;
    private final List<String> podIds = new ArrayList<>();
    private NetworkPlugin plugin;

    /** A plugin instance on the test's state; called again to stand for a berthd restart. */
    protected abstract NetworkPlugin newPlugin() throws Exception;

    protected abstract String bridgeName();

    protected abstract Cidr subnet();

    /** The host's rules for pods as text (the plugin's table, or the whole ruleset for CNI). */
    protected abstract String hostRules() throws Exception;

    /** Pod ids that hold an address in the test's range. */
    protected abstract Set<String> addressHolders() throws Exception;

    /** Removes the bridge, tables and anything else the plugin put on the host. */
    protected abstract void cleanUpHost() throws Exception;

    @BeforeEach
    void setUpContract() throws Exception {
        assumeThat(Posix.euid()).as("network contract tests need root").isZero();
        pods = new TestPods(dir);
        plugin = newPlugin();
        plugin.start(Set.of());
    }

    @AfterEach
    void tearDownContract() throws Exception {
        if (pods == null) {
            return;
        }
        try {
            for (String id : podIds) {
                plugin.tearDown(id);
            }
        } finally {
            pods.close();
            cleanUpHost();
        }
    }

    protected NetworkPlugin plugin() {
        return plugin;
    }

    protected PodAttachment setUp(PodRequest pod) throws Exception {
        podIds.add(pod.id());
        return plugin.setUp(pod);
    }

    @Test
    void setUpGivesAnAddressInRangeAndEth0WithADefaultRoute() throws Exception {
        PodRequest pod = pods.pod("web", List.of());
        PodAttachment a = setUp(pod);
        assertThat(a.ips()).hasSize(1);
        assertThat(subnet().contains(InetAddress.getByName(a.ips().get(0)))).isTrue();
        try (Netlink inside = Netlink.in(pod.netns())) {
            Netlink.Link eth0 = inside.link("eth0").orElseThrow();
            assertThat(eth0.up()).isTrue();
            assertThat(inside.link("lo").orElseThrow().up()).isTrue();
            assertThat(inside.routes(Netlink.AF_INET)).anySatisfy(r -> {
                assertThat(r.prefixLength()).isZero();
                assertThat(r.outputIndex()).isEqualTo(eth0.index());
            });
        }
        assertThat(addressHolders()).contains(pod.id());
        plugin.check(pod.id());
    }

    @Test
    void twoPodsReachEachOtherAndTheGateway() throws Exception {
        PodRequest a = pods.pod("a", List.of());
        PodRequest b = pods.pod("b", List.of());
        String ipA = setUp(a).ips().get(0);
        setUp(b);
        pods.serve(a.netns(), 8000, "hello from a");
        String gateway = gateway();
        int gatewayPort = TestPods.freeHostPort();
        pods.serveOnHost(gateway, gatewayPort, "hello from the node");
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> TestPods.fetchFrom(b.netns(), ipA, 8000), "hello from a"::equals);
        assertThat(TestPods.fetchFrom(a.netns(), gateway, gatewayPort)).isEqualTo("hello from the node");
    }

    @Test
    void aHostPortAnswersOnLoopbackOnTheGatewayAndFromAnotherPod() throws Exception {
        int hostPort = TestPods.freeHostPort();
        PodRequest web = pods.pod("web", List.of(HostPortMapping.of("tcp", 8000, hostPort, "", "pm")));
        PodRequest other = pods.pod("other", List.of());
        setUp(web);
        setUp(other);
        pods.serve(web.netns(), 8000, "hostport ok");
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> TestPods.fetch("127.0.0.1", hostPort), "hostport ok"::equals);
        assertThat(TestPods.fetch(gateway(), hostPort)).isEqualTo("hostport ok");
        assertThat(TestPods.fetchFrom(other.netns(), gateway(), hostPort)).isEqualTo("hostport ok");
        assertThat(TestPods.fetchFrom(web.netns(), gateway(), hostPort)).as("hairpin: the pod reaches itself")
                .isEqualTo("hostport ok");
    }

    @Test
    void tearDownRemovesVethAddressAndRulesAndMayRepeat() throws Exception {
        int hostPort = TestPods.freeHostPort();
        PodRequest pod = pods.pod("web", List.of(HostPortMapping.of("tcp", 80, hostPort, "", "pm")));
        String ip = setUp(pod).ips().get(0);
        assertThat(bridgePorts()).hasSize(1);
        assertThat(hostRules()).contains(String.valueOf(hostPort));
        plugin.tearDown(pod.id());
        assertThat(bridgePorts()).isEmpty();
        assertThat(addressHolders()).doesNotContain(pod.id());
        assertThat(hostRules()).doesNotContain(String.valueOf(hostPort)).doesNotContain(ip + ":");
        try (Netlink inside = Netlink.in(pod.netns())) {
            assertThat(inside.link("eth0")).isEmpty();
        }
        plugin.tearDown(pod.id());
        plugin.tearDown("0123456789abcdef");
    }

    @Test
    void aNewInstanceTearsDownFromThePersistedState() throws Exception {
        int hostPort = TestPods.freeHostPort();
        PodRequest pod = pods.pod("web", List.of(HostPortMapping.of("tcp", 80, hostPort, "", "pm")));
        setUp(pod);
        plugin = newPlugin();
        plugin.start(Set.of(pod.id()));
        assertThat(bridgePorts()).as("start keeps live pods").hasSize(1);
        plugin.tearDown(pod.id());
        assertThat(bridgePorts()).isEmpty();
        assertThat(addressHolders()).doesNotContain(pod.id());
        assertThat(hostRules()).doesNotContain(String.valueOf(hostPort));
    }

    @Test
    void startTearsDownPodsThatNoSandboxOwns() throws Exception {
        PodRequest pod = pods.pod("orphan", List.of());
        setUp(pod);
        plugin = newPlugin();
        plugin.start(Set.of());
        assertThat(bridgePorts()).isEmpty();
        assertThat(addressHolders()).doesNotContain(pod.id());
    }

    @Test
    void thirtyConcurrentSetUpsGetDistinctAddresses() throws Exception {
        List<PodRequest> requests = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            requests.add(pods.pod("p" + i, List.of()));
            podIds.add(requests.get(i).id());
        }
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            List<Future<PodAttachment>> futures = new ArrayList<>();
            for (PodRequest r : requests) {
                futures.add(pool.submit(() -> plugin.setUp(r)));
            }
            Set<String> ips = new HashSet<>();
            for (Future<PodAttachment> f : futures) {
                ips.add(f.get().ips().get(0));
            }
            assertThat(ips).hasSize(30);
            assertThat(bridgePorts()).hasSize(30);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aHostPortTakenByAnotherPodIsRefusedAndLeavesNothing() throws Exception {
        int hostPort = TestPods.freeHostPort();
        setUp(pods.pod("first", List.of(HostPortMapping.of("tcp", 80, hostPort, "", "pm"))));
        PodRequest second = pods.pod("second", List.of(HostPortMapping.of("tcp", 81, hostPort, "", "pm")));
        assertThatThrownBy(() -> setUp(second)).hasMessageContaining(String.valueOf(hostPort));
        assertThat(bridgePorts()).hasSize(1);
        assertThat(addressHolders()).doesNotContain(second.id());
    }

    /** The bridge's gateway address: the first host of the subnet. */
    protected String gateway() {
        return subnet().address(java.math.BigInteger.ONE).getHostAddress();
    }

    /** Links on the host enslaved to the test bridge (pod veths). */
    protected List<Netlink.Link> bridgePorts() throws Exception {
        try (Netlink host = Netlink.host()) {
            int bridge = host.link(bridgeName()).map(Netlink.Link::index).orElse(-1);
            return host.links().stream().filter(l -> l.master() == bridge && bridge > 0).toList();
        }
    }

    protected static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }
}

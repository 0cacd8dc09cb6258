package io.berth.netplugin.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.ResourceExhaustedException;
import io.berth.netplugin.ip.Cidr;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostLocalIpamTest {
    @TempDir
    Path dir;

    @Test
    void skipsNetworkGatewayAndBroadcastThenExhaustsClearly() throws Exception {
        HostLocalIpam ipam = new HostLocalIpam(dir, Cidr.parse("10.213.0.0/29", "s"));
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            got.add(ipam.allocate("pod" + i).getHostAddress());
        }
        assertThat(got).containsExactly("10.213.0.2", "10.213.0.3", "10.213.0.4", "10.213.0.5", "10.213.0.6");
        assertThatThrownBy(() -> ipam.allocate("pod5")).isInstanceOf(ResourceExhaustedException.class)
                .hasMessageContaining("no free address in 10.213.0.0/29").hasMessageContaining("pod5");
        ipam.release("pod2");
        assertThat(ipam.allocate("pod5").getHostAddress()).isEqualTo("10.213.0.4");
    }

    @Test
    void aRetriedAllocationReturnsTheSameAddress() throws Exception {
        HostLocalIpam ipam = new HostLocalIpam(dir, Cidr.parse("10.213.0.0/24", "s"));
        InetAddress first = ipam.allocate("pod");
        assertThat(ipam.allocate("pod")).isEqualTo(first);
        assertThat(ipam.allocations()).containsOnlyKeys(first);
    }

    @Test
    void survivesARestartAndDoesNotReuseRecentlyReleasedAddressesFirst() throws Exception {
        Cidr range = Cidr.parse("10.213.0.0/24", "s");
        InetAddress a = new HostLocalIpam(dir, range).allocate("a");
        new HostLocalIpam(dir, range).release("a");
        InetAddress b = new HostLocalIpam(dir, range).allocate("b");
        assertThat(b).isNotEqualTo(a);
        assertThat(new HostLocalIpam(dir, range).allocations()).containsEntry(b, "b");
    }

    @Test
    void concurrentAllocatorsOnOneDirNeverShareAnAddress() throws Exception {
        Cidr range = Cidr.parse("10.213.0.0/24", "s");
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<InetAddress>> futures = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                String id = "pod" + i;
                futures.add(pool.submit(() -> new HostLocalIpam(dir, range).allocate(id)));
            }
            List<InetAddress> got = new ArrayList<>();
            for (Future<InetAddress> f : futures) {
                got.add(f.get());
            }
            assertThat(got).doesNotHaveDuplicates().allSatisfy(ip -> assertThat(range.contains(ip)).isTrue());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void ipv6RangesWork() throws Exception {
        HostLocalIpam ipam = new HostLocalIpam(dir, Cidr.parse("fd00:213::/64", "s"));
        assertThat(ipam.gateway().getHostAddress()).isEqualTo("fd00:213:0:0:0:0:0:1");
        assertThat(ipam.allocate("p").getHostAddress()).isEqualTo("fd00:213:0:0:0:0:0:2");
    }

    @Test
    void anAllocationCutShortBeforeItsOwnerWasWrittenIsFreedAtStart() throws Exception {
        HostLocalIpam ipam = new HostLocalIpam(dir, Cidr.parse("10.213.0.0/24", "s"));
        java.net.InetAddress kept = ipam.allocate("pod-a");
        java.nio.file.Files.createFile(dir.resolve("10.213.0.9"));
        new HostLocalIpam(dir, Cidr.parse("10.213.0.0/24", "s")).removeTempLeftovers();
        assertThat(ipam.allocations()).containsOnlyKeys(kept).containsValue("pod-a");
    }
}

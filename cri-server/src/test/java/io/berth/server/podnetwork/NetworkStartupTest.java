package io.berth.server.podnetwork;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.berth.common.error.FailedPreconditionException;
import io.berth.netplugin.NetworkPlugin;
import io.berth.netplugin.PluginStatus;
import io.berth.netplugin.PodAttachment;
import io.berth.netplugin.PodRequest;
import io.berth.server.runtimestatus.Condition;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
/** A plugin that cannot start keeps NetworkReady false with its cause, is retried, and recovers on its own. */
class NetworkStartupTest {
    /** A plugin whose start fails while {@link #cause} is set; records what each start saw. */
    static final class FlakyPlugin implements NetworkPlugin {
        final AtomicReference<String> cause = new AtomicReference<>();
        final AtomicInteger starts = new AtomicInteger();
        final List<Set<String>> liveSeen = new CopyOnWriteArrayList<>();
        final List<String> setUps = new CopyOnWriteArrayList<>();
        final List<String> tearDowns = new CopyOnWriteArrayList<>();
        volatile NetworkStartup startup;
        final List<String> messagesBeforeStart = new CopyOnWriteArrayList<>();

        FlakyPlugin failingWith(String why) {
            cause.set(why);
            return this;
        }

        @Override
        public String name() {
            return "flaky";
        }

        @Override
        public void start(Set<String> livePodIds) throws IOException {
            starts.incrementAndGet();
            liveSeen.add(livePodIds);
            if (startup != null) {
                messagesBeforeStart.add(startup.failure().message());
            }
            String why = cause.get();
            if (why != null) {
                throw new IOException(why);
            }
        }

        @Override
        public PodAttachment setUp(PodRequest pod) {
            setUps.add(pod.id());
            return new PodAttachment(List.of("10.0.0.2"));
        }

        @Override
        public void tearDown(String podId) {
            tearDowns.add(podId);
        }

        @Override
        public void check(String podId) {}

        @Override
        public PluginStatus status() {
            return PluginStatus.ok();
        }
    }

    @Test
    void aPluginThatStartsAtOnceIsReadyWithoutAnyRetry() throws Exception {
        FlakyPlugin plugin = new FlakyPlugin();
        try (NetworkStartup startup = NetworkStartup.of(plugin, () -> Set.of("pod-a"))) {
            startup.begin();
            assertThat(startup.started()).isTrue();
            assertThat(new PluginPodNetwork(plugin, startup).check()).isEqualTo(Condition.ok());
            assertThat(plugin.liveSeen).containsExactly(Set.of("pod-a"));
        }
    }

    @Test
    void untilTheCauseIsFixedNetworkReadySaysWhyAndPodsGetNoNetworkThenItRecoversAlone() throws Exception {
        FlakyPlugin plugin = new FlakyPlugin().failingWith("cannot read /var/lib/berth/network: I/O error");
        AtomicReference<Set<String>> live = new AtomicReference<>(Set.of("pod-a"));
        try (NetworkStartup startup = NetworkStartup.of(plugin, live::get, Duration.ofMillis(20),
                Duration.ofMillis(80))) {
            startup.begin();
            PluginPodNetwork network = new PluginPodNetwork(plugin, startup);
            Condition notReady = network.check();
            assertThat(notReady.ready()).isFalse();
            assertThat(notReady.reason()).isEqualTo("NetworkPluginStartFailed");
            assertThat(notReady.message()).contains("network plugin flaky could not start")
                    .contains("cannot read /var/lib/berth/network: I/O error");
            assertThatThrownBy(() -> network.setUp(null)).isInstanceOf(FailedPreconditionException.class)
                    .hasMessageContaining("NetworkPluginStartFailed").hasMessageContaining("I/O error");
            assertThat(plugin.setUps).isEmpty();

            await().atMost(Duration.ofSeconds(10)).until(() -> plugin.starts.get() >= 3);
            assertThat(network.check().ready()).as("still failing").isFalse();
            live.set(Set.of("pod-a", "pod-b"));
            plugin.cause.set(null);

            await().atMost(Duration.ofSeconds(10)).until(startup::started);
            assertThat(network.check()).isEqualTo(Condition.ok());
            assertThat(plugin.liveSeen).as("the sandboxes of the moment, at every attempt").last()
                    .isEqualTo(Set.of("pod-a", "pod-b"));
            int starts = plugin.starts.get();
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                    .until(() -> plugin.starts.get() == starts);
        }
    }

    @Test
    void theDelayDoublesUpToItsCap() throws Exception {
        FlakyPlugin plugin = new FlakyPlugin().failingWith("no");
        try (NetworkStartup startup = NetworkStartup.of(plugin, Set::of, Duration.ofMillis(10),
                Duration.ofMillis(40))) {
            startup.begin();
            plugin.startup = startup;
            await().atMost(Duration.ofSeconds(10)).until(() -> plugin.messagesBeforeStart.size() >= 5);
            assertThat(plugin.messagesBeforeStart.subList(0, 5)).extracting(m -> m.replaceAll(".*next in (\\w+)\\).*",
                    "$1")).containsExactly("10ms", "20ms", "40ms", "40ms", "40ms");
        }
    }

    @Test
    void closingStopsTheRetries() throws Exception {
        FlakyPlugin plugin = new FlakyPlugin().failingWith("no");
        NetworkStartup startup = NetworkStartup.of(plugin, Set::of, Duration.ofMillis(10), Duration.ofMillis(10));
        startup.begin();
        await().atMost(Duration.ofSeconds(10)).until(() -> plugin.starts.get() >= 2);
        startup.close();
        int starts = plugin.starts.get();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> plugin.starts.get() == starts);
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .doesNotContain("network-start-retry");
    }
}

package io.berth.e2e.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.berth.cri.v1.RuntimeCondition;
import io.berth.e2e.harness.BasicCriCalls;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.ScratchDir;
import io.berth.e2e.harness.TestBridge;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A node whose CNI configuration is installed after the runtime started (a network add-on's DaemonSet writes it):
 * until then NetworkReady is false and says why, then it turns true on its own, without a berthd restart, and pods
 * get a working network.
 */
class CniConfigAppearsE2eTest {
    /** NetworkReady is computed at each Status call: the config counts from the first call after it is written. */
    private static final Duration READY_WITHIN = Duration.ofSeconds(30);
    private static final Duration SERVER_START = Duration.ofSeconds(60);

    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    @Test
    void networkReadyTurnsTrueWhenAConfigAppearsInTheConfDirAndPodsThenGetANetwork() throws Exception {
        try (TestBridge bridge = TestBridge.reserve("bnr", 226); ForwardGuard guard = ForwardGuard.install(bridge.name())) {
            ScratchDir conf = daemons.scratchDir("net-cni-late-");
            Path ipamDir = conf.resolve("ipam");
            try (NetTestbed bed = NetTestbed.start(daemons, bridge.name(), bridge.subnet(),
                    CniPodTrafficE2eTest.cniNetwork(conf.path()))) {
                RuntimeCondition before = networkReady(bed);
                assertThat(before.getStatus()).isFalse();
                assertThat(before.getReason()).isEqualTo("NetworkPluginNotReady");
                assertThat(before.getMessage()).contains("no CNI configuration").contains(conf.path().toString());
                assertThatThrownBy(() -> bed.pods().run(bed.pods().config("too-early")))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                            assertThat(e.getStatus().getDescription()).contains("no CNI configuration");
                        });
                assertThat(bed.pods().listed()).as("a refused pod is not kept").isEmpty();

                conf.write("10-late.conflist", CniPodTrafficE2eTest.conflist("berth-e2e-late", bridge.name(),
                        bridge.subnet(), ipamDir));
                await().atMost(READY_WITHIN).until(() -> networkReady(bed).getStatus());
                RuntimeCondition after = networkReady(bed);
                assertThat(after.getReason()).isEmpty();
                assertThat(after.getMessage()).isEmpty();

                String pod = bed.pods().run(bed.pods().config("web"));
                String ip = bed.pods().ip(pod);
                assertThat(ip).startsWith(bed.addressPrefix());
                bed.pods().start(pod, "httpd", WebImage.httpd());
                await().atMost(SERVER_START).ignoreExceptions()
                        .until(() -> HttpProbe.get(ip, WebImage.HTTP_PORT).contains(WebImage.PAGE));
                bed.pods().removeAll();
                assertThat(IpamFiles.read(ipamDir.resolve("berth-e2e-late"))).as("the address is released")
                        .doesNotContainValue(pod);
            }
        }
    }

    private static RuntimeCondition networkReady(NetTestbed bed) {
        return BasicCriCalls.condition(BasicCriCalls.status(bed.berthd().client(), false), "NetworkReady")
                .orElseThrow();
    }
}

package io.berth.e2e.kubelet;

import static io.berth.e2e.kubelet.KubeletPods.allRunning;
import static io.berth.e2e.kubelet.KubeletPods.awaitPod;
import static io.berth.e2e.kubelet.KubeletPods.podName;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.e2e.critest.CritestImages;
import io.berth.e2e.critest.CritestRun;
import io.berth.e2e.fixtures.RegistryProcess;
import io.berth.e2e.harness.BerthdOptions;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.ContainerdProcess;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.harness.GoTools;
import io.berth.e2e.harness.ScratchDir;
import io.berth.e2e.harness.TestBridge;
import io.berth.e2e.network.ForwardGuard;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * By hand, not in CI (no *Test suffix): issue 14's closing-note figure. Scenario 1's static pod under the same
 * kubelet config, first on the packaged berthd, then on Debian's containerd (1.6, {@code restrict_oom_score_adj =
 * true} as this host lacks CAP_SYS_RESOURCE, runc with cgroupfs as kubelet's driver, CNI bridge of its own), one
 * after the other, each pulling busybox (containerd its sandbox image too) from the local registry through its
 * mirrors for the first time. Prints the time from manifest written to pod running (init done, both containers
 * running and ready in kubelet's /pods) for each, and both on one last line. No figure is asserted: speed is read,
 * not tested. As root, after {@code mvn -B -DskipTests install} (the class takes about a minute):
 *
 * <pre>
 * mvn -B -pl test/e2e test-compile surefire:test@default-test -Dtest=KubeletOnContainerdComparison \
 *     -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * <p>containerd runs kubelet's pod only because the test images' hard-link entries carry their target's mode (see
 * LayerBuilder.hardlink): containerd 1.6 applies a link entry's mode to the inode it shares, and with the 0644 of a
 * bare entry every busybox applet, the pause script's /bin/sh among them, lost its exec bits, so each sandbox's
 * pause exited 1 ("exec /pause: permission denied") right after RunPodSandbox.
 */
class KubeletOnContainerdComparison {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    @Test
    void podStartOnBerthBesideContainerd() throws Exception {
        E2eSettings.assumeRoot();
        E2eSettings.assumeOwnBerthd();
        GoTools.kubelet();
        ScratchDir scratch = daemons.scratchDir("kubelet-cmp-");
        try (RegistryProcess registry = RegistryProcess.start(scratch.resolve("registry"));
                TestBridge berthBridge = TestBridge.reserve("bke", 225);
                TestBridge containerdBridge = TestBridge.reserve("bkc", 225)) {
            CritestImages.pushAll(URI.create(registry.url()));
            Path etc = CritestRun.mirrors(scratch.resolve("etc"), registry.host());

            BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults().withConfig(
                    "[image]\nregistry_config_dir = \"" + etc + "\"\n" + berthBridge.config()));
            Duration onBerth = manifestToRunning(berthd.socket(), "kl-cmp-berth");
            System.out.println("kubelet on berth: manifest written to pod running in " + onBerth.toMillis() + " ms");
            berthd.stop();

            Duration onContainerd;
            try (ForwardGuard guard = ForwardGuard.install(containerdBridge.name())) {
                ContainerdProcess containerd = daemons.startContainerd(new ContainerdProcess.Pods(
                        Optional.of(etc.resolve("certs.d")), Optional.of(containerdBridge), "registry.k8s.io/pause:3.9"));
                try {
                    onContainerd = manifestToRunning(containerd.socket(), "kl-cmp-containerd");
                } catch (Throwable t) {
                    System.err.println("======== containerd log ========\n" + containerd.logText());
                    throw t;
                } finally {
                    // Its pods (and their CNI DEL, which portmap answers in the nat tables) go before the guard.
                    containerd.close();
                }
            } finally {
                removeIpamDir(containerdBridge.name());
            }
            System.out.println("kubelet on containerd: manifest written to pod running in " + onContainerd.toMillis()
                    + " ms");
            System.out.println("kubelet pod start (manifest written to pod running): berth " + onBerth.toMillis()
                    + " ms, containerd " + onContainerd.toMillis() + " ms");
            assertThat(onBerth).isPositive();
            assertThat(onContainerd).isPositive();
        }
    }

    /** Starts a kubelet on {@code socket}, writes scenario 1's manifest, times it to running, stops kubelet. */
    private static Duration manifestToRunning(Path socket, String name) throws Exception {
        try (KubeletProcess kubelet = KubeletProcess.start(socket)) {
            try {
                long written = System.nanoTime();
                Files.writeString(kubelet.manifests().resolve(name + ".yaml"), KubeletStaticPodE2eTest.manifest(name));
                awaitPod(kubelet, podName(name), "running", KubeletStaticPodE2eTest.POD_START_TIMEOUT,
                        p -> allRunning(p, 2));
                return Duration.ofNanos(System.nanoTime() - written);
            } catch (Throwable t) {
                System.err.println("======== kubelet log tail (" + kubelet.logFile() + ") ========\n"
                        + kubelet.logTail(200));
                throw t;
            }
        }
    }

    /** host-local IPAM's state for the bridge's network, which Debian's plugins keep in /var/lib/cni. */
    private static void removeIpamDir(String network) throws IOException {
        Path dir = Path.of("/var/lib/cni/networks", network);
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}

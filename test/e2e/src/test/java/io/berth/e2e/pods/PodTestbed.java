package io.berth.e2e.pods;

import io.berth.e2e.harness.HostCommands;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.PodSandbox;
import io.berth.cri.v1.PullImageRequest;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.e2e.fixtures.RegistryProcess;
import io.berth.e2e.fixtures.TestImage;
import io.berth.e2e.harness.BerthdOptions;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.harness.ScratchDir;
import io.berth.e2e.images.RegistryHosts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * What every pod test class needs, made once per class: the busybox image pushed to a loopback registry, a berthd
 * with a bridge, subnet and cgroup parent of its own, and the image pulled. {@link #close()} takes away everything
 * the class made on the host: pods (through the CRI), the daemon, any container the runtime still knows, the
 * bridge, berth's nft table and the cgroup parent.
 */
public final class PodTestbed implements AutoCloseable {
    private final ScratchDir scratch;
    private final RegistryProcess registry;
    private final String bridge;
    private final String subnet;
    private final String cgroupParent;
    private final PulledImage image;
    private final BerthdProcess berthd;
    private final PodCalls calls;

    private PodTestbed(ScratchDir scratch, RegistryProcess registry, String bridge, String subnet,
            String cgroupParent, PulledImage image, BerthdProcess berthd) {
        this.scratch = scratch;
        this.registry = registry;
        this.bridge = bridge;
        this.subnet = subnet;
        this.cgroupParent = cgroupParent;
        this.image = image;
        this.berthd = berthd;
        this.calls = new PodCalls(this);
    }

    /**
     * Starts the class's registry and berthd. {@code tag} (2-3 letters) names the class in the bridge and cgroup
     * names; {@code secondOctet} (220-229) picks its pod range 10.{secondOctet}.x.0/24, x chosen free at random.
     */
    public static PodTestbed start(E2eDaemons daemons, String tag, int secondOctet, String... extraConfigLines)
            throws Exception {
        E2eSettings.assumeOwnBerthd();
        ScratchDir scratch = daemons.scratchDir("pods-" + tag + "-");
        RegistryProcess registry = RegistryProcess.start(scratch.resolve("registry"));
        try {
            TestImage busybox = BusyboxImage.build();
            String manifestDigest = registry.pusher().push(BusyboxImage.REPOSITORY, BusyboxImage.TAG, busybox);
            String repository = registry.host() + "/" + BusyboxImage.REPOSITORY;
            PulledImage image = new PulledImage(repository + ":" + BusyboxImage.TAG, busybox.id(),
                    repository + "@" + manifestDigest);
            RegistryHosts hosts = new RegistryHosts(scratch.resolve("etc-berth")).plainHttp(registry.host());

            // Unique per run: other engineers' suites make bridges and ranges of their own on this machine.
            String bridge = uniqueBridge("bp" + tag);
            String subnet = freeSubnet(secondOctet);
            String config = hosts.config() + "[network]\nbridge = \"" + bridge + "\"\nsubnet = \"" + subnet + "\"\n"
                    + String.join("\n", extraConfigLines) + "\n";
            BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults().withConfig(config));
            berthd.client().images().withDeadlineAfter(60, TimeUnit.SECONDS).pullImage(PullImageRequest.newBuilder()
                    .setImage(ImageSpec.newBuilder().setImage(image.tag())).build());
            return new PodTestbed(scratch, registry, bridge, subnet, "/berth-e2e-" + bridge, image, berthd);
        } catch (Exception | Error e) {
            registry.close();
            throw e;
        }
    }

    /** The loopback registry the class's images are pushed to. */
    public RegistryProcess registry() {
        return registry;
    }

    public BerthdProcess berthd() {
        return berthd;
    }

    public PodCalls cri() {
        return calls;
    }

    /** The busybox image as the tests name it: {@code 127.0.0.1:<port>/pods/busybox:e2e}. */
    public String image() {
        return image.tag();
    }

    /** The image's id (its config digest) and its digest reference, what ContainerStatus reports. */
    public PulledImage pulledImage() {
        return image;
    }

    /** The pulled image by its three names: the tag pulled, the id, and {@code repository@manifest-digest}. */
    public record PulledImage(String tag, String id, String digestRef) {
    }

    public String bridge() {
        return bridge;
    }

    public String subnet() {
        return subnet;
    }

    /** Every pod of this class runs below this cgroupfs parent, so that what berth leaves there can be found. */
    public String cgroupParent() {
        return cgroupParent;
    }

    /** A dir of this class for pod logs and host paths; removed with the class. */
    public Path dir(String name) throws IOException {
        return Files.createDirectories(scratch.resolve(name));
    }

    /** Removes every pod (and so every container) through the CRI, as kubelet would when the node drains. */
    public void removeAllPods() {
        for (PodSandbox pod : berthd.client().runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                .getItemsList()) {
            berthd.client().runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder()
                    .setPodSandboxId(pod.getId()).build());
        }
    }

    /** Once every pod is removed, nothing of them may be left on the host. */
    public void assertNothingLeftOfAnyPod() {
        HostResidue residue = HostResidue.of(this);
        assertThat(residue.mounts()).as("mounts under berthd's root and state").isEmpty();
        assertThat(residue.cgroups()).as("cgroups below %s", cgroupParent).isEmpty();
        assertThat(residue.runDirs()).as("container and sandbox run dirs").isEmpty();
        assertThat(residue.vethsOnBridge()).as("veths on %s", bridge).isEmpty();
        HostResidue.awaitNoContainerShims(berthd.dir().path(), berthd.state());
    }

    /**
     * Pods through the CRI first (restarting a berthd a test left down), then the daemon, then by pid or id
     * whatever a failed test may have left: shims, runtime containers, then the host network and cgroups.
     */
    @Override
    public void close() {
        try {
            if (!berthd.isAlive()) {
                berthd.restart();
            }
            removeAllPods();
        } finally {
            try {
                if (berthd.isAlive()) {
                    berthd.stop();
                }
                HostResidue.killContainerShims(berthd.dir().path());
                HostResidue.deleteRuntimeContainers(berthd.state().resolve("runtime"));
            } finally {
                HostCommands.run("ip", "link", "del", bridge);
                HostCommands.run("nft", "delete", "table", "inet", "berth_" + bridge.replace('-', '_'));
                HostResidue.removeCgroupTree(cgroupParent);
                registry.close();
            }
        }
    }

    private static String uniqueBridge(String prefix) {
        for (int attempt = 0; attempt < 20; attempt++) {
            String name = prefix + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt(), 5);
            if (!Files.exists(Path.of("/sys/class/net", name))) {
                return name;
            }
        }
        throw new IllegalStateException("no free bridge name with prefix " + prefix);
    }

    /** A /24 in 10.{secondOctet}.0.0/16 that no route on this host touches. */
    private static String freeSubnet(int secondOctet) throws Exception {
        String routes = HostCommands.run("ip", "-4", "route", "show", "table", "all");
        List<Integer> thirds = ThreadLocalRandom.current().ints(1, 255).distinct().limit(50).boxed().toList();
        for (int third : thirds) {
            String prefix = "10." + secondOctet + "." + third + ".";
            if (!routes.contains(prefix)) {
                return prefix + "0/24";
            }
        }
        throw new IllegalStateException("no free /24 in 10." + secondOctet + ".0.0/16");
    }
}

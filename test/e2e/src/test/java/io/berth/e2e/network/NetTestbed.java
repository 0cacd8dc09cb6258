package io.berth.e2e.network;

import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.PullImageRequest;
import io.berth.e2e.fixtures.RegistryProcess;
import io.berth.e2e.harness.BerthdOptions;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.harness.ScratchDir;
import io.berth.e2e.images.RegistryHosts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What a network test class with containers needs, made once per class: the web image in a loopback
 * registry, a berthd on a bridge and subnet of the class's own with that registry configured, and the image
 * pulled. {@link #close()} removes every pod through the CRI, then the bridge, berth's table for it and the
 * class's cgroup parent; the daemon and its dirs go with the {@link E2eDaemons} that started it.
 */
final class NetTestbed implements AutoCloseable {
    private final ScratchDir scratch;
    private final RegistryProcess registry;
    private final String bridge;
    private final String subnet;
    private final String cgroupParent;
    private final BerthdProcess berthd;
    private final NetPods pods;

    private NetTestbed(ScratchDir scratch, RegistryProcess registry, String bridge, String subnet,
            String cgroupParent, String image, BerthdProcess berthd) throws Exception {
        this.scratch = scratch;
        this.registry = registry;
        this.bridge = bridge;
        this.subnet = subnet;
        this.cgroupParent = cgroupParent;
        this.berthd = berthd;
        this.pods = new NetPods(berthd::client, Files.createDirectories(scratch.resolve("logs")), cgroupParent, image);
    }

    /**
     * Starts registry and berthd. {@code networkToml} is the whole {@code [network]} section; it must put pods
     * on {@code bridge} in {@code subnet}, whichever plugin it names.
     */
    static NetTestbed start(E2eDaemons daemons, String bridge, String subnet, String networkToml) throws Exception {
        E2eSettings.assumeOwnBerthd();
        ScratchDir scratch = daemons.scratchDir("net-" + bridge + "-");
        RegistryProcess registry = RegistryProcess.start(scratch.resolve("registry"));
        try {
            registry.pusher().push(WebImage.REPOSITORY, WebImage.TAG, WebImage.build());
            String image = registry.host() + "/" + WebImage.REPOSITORY + ":" + WebImage.TAG;
            RegistryHosts hosts = new RegistryHosts(scratch.resolve("etc-berth")).plainHttp(registry.host());
            BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults().withConfig(hosts.config() + networkToml));
            berthd.client().images().withDeadlineAfter(60, TimeUnit.SECONDS).pullImage(PullImageRequest.newBuilder()
                    .setImage(ImageSpec.newBuilder().setImage(image)).build());
            return new NetTestbed(scratch, registry, bridge, subnet, "/berth-e2e-" + bridge, image, berthd);
        } catch (Exception | Error e) {
            registry.close();
            HostNetwork.deleteLink(bridge);
            throw e;
        }
    }

    /** The built-in plugin's {@code [network]} section for a bridge and subnet. */
    static String bridgeNetwork(String bridge, String subnet) {
        return "[network]\nplugin = \"bridge\"\nbridge = \"" + bridge + "\"\nsubnet = \"" + subnet + "\"\n";
    }

    BerthdProcess berthd() {
        return berthd;
    }

    NetPods pods() {
        return pods;
    }

    String bridge() {
        return bridge;
    }

    String subnet() {
        return subnet;
    }

    String gateway() {
        return HostNetwork.gateway(subnet);
    }

    /** "10.230.7." for 10.230.7.0/24: what every pod address of the class starts with. */
    String addressPrefix() {
        String network = subnet.substring(0, subnet.indexOf('/'));
        return network.substring(0, network.lastIndexOf('.') + 1);
    }

    /** A dir of this class (CNI conf, IPAM data); removed with the class. */
    Path dir(String name) throws Exception {
        return Files.createDirectories(scratch.resolve(name));
    }

    @Override
    public void close() {
        try {
            if (!berthd.isAlive()) {
                berthd.restart();
            }
            pods.removeAll();
        } finally {
            HostNetwork.deleteLink(bridge);
            HostNetwork.deleteTable("inet", HostNetwork.berthTable(bridge));
            HostNetwork.removeCgroupTree(cgroupParent);
            registry.close();
        }
    }
}

package io.berth.e2e.stats;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.ContainerMetadata;
import io.berth.cri.v1.ContainerStatusRequest;
import io.berth.cri.v1.CreateContainerRequest;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.PodSandbox;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxMetadata;
import io.berth.cri.v1.PodSandboxStatusRequest;
import io.berth.cri.v1.PullImageRequest;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.RunPodSandboxRequest;
import io.berth.cri.v1.StartContainerRequest;
import io.berth.e2e.fixtures.LayerBuilder;
import io.berth.e2e.fixtures.RegistryProcess;
import io.berth.e2e.fixtures.TestImage;
import io.berth.e2e.harness.BerthdOptions;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.CriClient;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.ScratchDir;
import io.berth.e2e.images.RegistryHosts;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A berthd with pod networking on a bridge and subnet of the test class's own, and a busybox image pulled from a
 * local registry: what the stats tests run their pods and containers in. {@link #close} removes every pod (so
 * no shim outlives the class), stops the registry, and takes the bridge and berth's nft table off the host.
 */
final class StatsTestbed implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> APPLETS = List.of("sh", "sleep", "head", "tr", "ping", "cat", "true", "nc", "echo");

    private final RegistryProcess registry;
    private final String bridge;
    final BerthdProcess berthd;
    final CriClient cri;
    final String image;

    private StatsTestbed(RegistryProcess registry, String bridge, BerthdProcess berthd, String image) {
        this.registry = registry;
        this.bridge = bridge;
        this.berthd = berthd;
        this.cri = berthd.client();
        this.image = image;
    }

    /**
     * @param bridge     a bridge name no other test uses (at most 15 characters)
     * @param subnet     a /24 of 10.240.0.0-10.249.255.0 no other test uses
     * @param extraToml  further config.toml sections (e.g. {@code [metrics]})
     */
    static StatsTestbed start(E2eDaemons daemons, String bridge, String subnet, String extraToml) throws Exception {
        ScratchDir scratch = daemons.scratchDir("stats-" + bridge + "-");
        RegistryProcess registry = RegistryProcess.start(scratch.resolve("registry"));
        try {
            TestImage busybox = TestImage.builder()
                    .layer(new LayerBuilder().busybox(APPLETS.toArray(String[]::new)).dir("tmp", 01777)
                            .build(LayerBuilder.Compression.GZIP))
                    .env("PATH=/bin").cmd("sh").build();
            registry.pusher().push("busybox", "stats", busybox);
            RegistryHosts hosts = new RegistryHosts(scratch.resolve("etc-berth")).plainHttp(registry.host());
            String toml = hosts.config() + "[network]\nbridge = \"" + bridge + "\"\nsubnet = \"" + subnet + "\"\n"
                    + extraToml;
            BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults().withConfig(toml));
            String image = registry.host() + "/busybox:stats";
            berthd.client().images().withDeadlineAfter(60, TimeUnit.SECONDS).pullImage(PullImageRequest.newBuilder()
                    .setImage(ImageSpec.newBuilder().setImage(image)).build());
            return new StatsTestbed(registry, bridge, berthd, image);
        } catch (Exception | Error e) {
            registry.close();
            cleanHost(bridge);
            throw e;
        }
    }

    String pod(String name) {
        return pod(name, Map.of());
    }

    String pod(String name, Map<String, String> labels) {
        return cri.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("stats-e2e")
                        .setUid(UUID.randomUUID().toString()))
                .putAllLabels(labels)).build()).getPodSandboxId();
    }

    String create(String pod, String name, Map<String, String> labels, String... command) {
        ContainerConfig config = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .addAllCommand(List.of(command))
                .putAllLabels(labels)
                .build();
        return cri.runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(pod)
                .setConfig(config).build()).getContainerId();
    }

    String run(String pod, String name, String... command) {
        String id = create(pod, name, Map.of(), command);
        start(id);
        return id;
    }

    void start(String container) {
        cri.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(container).build());
    }

    /** The host pid of a running container's init process, from berth's verbose status. */
    int pid(String container) throws Exception {
        String info = cri.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(container)
                .setVerbose(true).build()).getInfoMap().get("info");
        return JSON.readTree(info).get("pid").asInt();
    }

    String podIp(String pod) {
        return cri.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod).build())
                .getStatus().getNetwork().getIp();
    }

    void removeAllPods() {
        for (PodSandbox p : cri.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
            cri.runtime().withDeadlineAfter(120, TimeUnit.SECONDS)
                    .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
        }
    }

    @Override
    public void close() {
        try {
            removeAllPods();
        } finally {
            registry.close();
            cleanHost(bridge);
        }
    }

    /** The bridge and nft table the bridge plugin made for {@code bridge} (both outlive berthd by design). */
    static void cleanHost(String bridge) {
        HostCommands.run("ip", "link", "del", bridge);
        HostCommands.run("nft", "delete", "table", "inet", "berth_" + bridge.replace('-', '_'));
    }
}

package io.berth.server;

import io.berth.cri.v1.ImageServiceGrpc;
import io.berth.cri.v1.RuntimeServiceGrpc;
import io.berth.cri.v1.VersionRequest;
import io.berth.netplugin.NetworkPlugin;
import io.berth.server.admin.AdminService;
import io.berth.server.admin.AdminVersionRpc;
import io.berth.server.admin.DebugDumpRpc;
import io.berth.server.admin.DiskReport;
import io.berth.server.admin.ExportImageRpc;
import io.berth.server.admin.HealthRpc;
import io.berth.server.admin.ImageArchivePort;
import io.berth.server.admin.ImportImageRpc;
import io.berth.server.admin.ImportSpool;
import io.berth.server.admin.LiveShimHosts;
import io.berth.server.admin.SnapshotDirs;
import io.berth.server.config.BerthConfig;
import io.berth.server.container.ContainerControl;
import io.berth.server.container.ContainerService;
import io.berth.server.container.ContainerStreams;
import io.berth.server.container.ImageLookup;
import io.berth.server.container.spec.HostFacts;
import io.berth.server.events.ContainerEventBus;
import io.berth.server.events.ContainerEventPublisher;
import io.berth.server.exec.ExecSync;
import io.berth.server.grpc.RpcTable;
import io.berth.server.image.ImageHandlers;
import io.berth.server.image.ImageSystem;
import io.berth.server.image.store.Image;
import io.berth.server.metrics.DaemonMetrics;
import io.berth.server.network.NetworkPlugins;
import io.berth.server.network.NetworkStartup;
import io.berth.server.network.PluginPodNetwork;
import io.berth.server.rpc.AttachRpc;
import io.berth.server.rpc.CheckpointContainerRpc;
import io.berth.server.rpc.ContainerStatsRpc;
import io.berth.server.rpc.ContainerStatusRpc;
import io.berth.server.rpc.CreateContainerRpc;
import io.berth.server.rpc.ExecRpc;
import io.berth.server.rpc.ExecSyncRpc;
import io.berth.server.rpc.GetContainerEventsRpc;
import io.berth.server.rpc.ImageFsInfoRpc;
import io.berth.server.rpc.ImageStatusRpc;
import io.berth.server.rpc.ListContainerStatsRpc;
import io.berth.server.rpc.ListContainersRpc;
import io.berth.server.rpc.ListImagesRpc;
import io.berth.server.rpc.ListMetricDescriptorsRpc;
import io.berth.server.rpc.ListPodSandboxMetricsRpc;
import io.berth.server.rpc.ListPodSandboxRpc;
import io.berth.server.rpc.ListPodSandboxStatsRpc;
import io.berth.server.rpc.PodSandboxStatsRpc;
import io.berth.server.rpc.PodSandboxStatusRpc;
import io.berth.server.rpc.PortForwardRpc;
import io.berth.server.rpc.PullImageRpc;
import io.berth.server.rpc.RemoveContainerRpc;
import io.berth.server.rpc.RemoveImageRpc;
import io.berth.server.rpc.RemovePodSandboxRpc;
import io.berth.server.rpc.ReopenContainerLogRpc;
import io.berth.server.rpc.RunPodSandboxRpc;
import io.berth.server.rpc.RuntimeConfigRpc;
import io.berth.server.rpc.StartContainerRpc;
import io.berth.server.rpc.StatusRpc;
import io.berth.server.rpc.StopContainerRpc;
import io.berth.server.rpc.StopPodSandboxRpc;
import io.berth.server.rpc.UpdateContainerResourcesRpc;
import io.berth.server.rpc.UpdateRuntimeConfigRpc;
import io.berth.server.rpc.VersionRpc;
import io.berth.server.runtime.HandlerFeatures;
import io.berth.server.runtime.HostProbe;
import io.berth.server.runtime.PodCidr;
import io.berth.server.runtime.RuntimeReadiness;
import io.berth.server.sandbox.SandboxCreator;
import io.berth.server.sandbox.SandboxRecovery;
import io.berth.server.sandbox.SandboxStore;
import io.berth.server.sandbox.SandboxTeardown;
import io.berth.server.stats.HostCgroups;
import io.berth.server.stats.NetnsInterfaces;
import io.berth.server.stats.StatsService;
import io.berth.server.streaming.StreamBackend;
import io.berth.server.streaming.StreamingEndpoint;
import io.berth.shim.HostBuild;
import io.berth.snapshotter.Snapshotter;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The composition root: every collaborator of the CRI services is built here once, recovered from disk,
 * and bound to its RPC. Tests build it with their own snapshotter and images, so they run the same wiring
 * as berthd. Closing it stops what it started (not the containers: shims outlive berthd).
 */
public final class CriWiring implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(CriWiring.class.getName());

    private final BerthConfig config;
    private final Clock clock;
    private final PodCidr podCidr = new PodCidr();
    private final SandboxStore sandboxes;
    private final ContainerService containers;
    private final PluginPodNetwork network;
    private final SandboxTeardown sandboxTeardown;
    private final StreamingEndpoint streaming;
    private final StreamBackend streams;
    private final ContainerEventBus events = new ContainerEventBus();
    private final StatsService stats;
    private final HandlerFeatures handlers;
    private final List<AutoCloseable> owned = new ArrayList<>();

    public CriWiring(BerthConfig config, Clock clock, Snapshotter snapshotter, ImageLookup images,
            DaemonMetrics metrics) throws IOException {
        this.config = config;
        this.clock = clock;
        handlers = HandlerFeatures.probe(config);
        HostFacts host = HostProbe.detect(config, handlers.recursiveReadOnly(""));
        sandboxes = new SandboxStore(config.root().resolve("sandboxes"));
        containers = new ContainerService(config, sandboxes, images, snapshotter, host, clock, metrics::shimStarted);
        owned.add(containers);
        owned.add(events::close);
        containers.store().onChange(new ContainerEventPublisher(events, containers.store(), sandboxes, clock));
        SandboxRecovery.reconcile(sandboxes, containers.infra());
        containers.recover();
        NetworkPlugin plugin = NetworkPlugins.fromConfig(config, podCidr);
        // Rebuilds the plugin's host state and releases networks no sandbox owns (a set-up cut short by a crash).
        // A failure is not fatal: it is retried in the background, and Status says why pods get no network.
        network = new PluginPodNetwork(plugin, own(NetworkStartup.begin(plugin, this::attachedPods)));
        SandboxRecovery.removeOrphans(config.state(), sandboxes, containers.infra());
        sandboxTeardown = new SandboxTeardown(sandboxes, network, containers.control(), containers.infra());
        streaming = own(new StreamingEndpoint());
        streams = new ContainerStreams(containers.store(), sandboxes, containers.shims());
        streaming.useBackend(streams);
        // The snapshotter root is what ImageFsInfo reports as the container filesystem (see ImageSystem).
        stats = own(new StatsService(containers.store(), sandboxes, snapshotter, config.root().resolve("snapshots"),
                HostCgroups.detect(), new NetnsInterfaces(), host.cgroupDriver(), clock))
                .startHousekeeping(StatsService.LAYER_REFRESH);
        metrics.countSandboxes(() -> sandboxes.list().size());
        metrics.countContainers(() -> containers.store().list().size());
        metrics.countShims(() -> containers.shims().size());
    }

    /** Every RPC berth implements, bound to its collaborators. Unbound RPCs answer UNIMPLEMENTED. */
    public RpcTable bind(RpcTable table) {
        ContainerControl control = containers.control();
        return table
                .unary(RuntimeServiceGrpc.getVersionMethod(), new VersionRpc())
                .unary(RuntimeServiceGrpc.getStatusMethod(), statusRpc())
                .unary(RuntimeServiceGrpc.getRuntimeConfigMethod(), new RuntimeConfigRpc(config))
                .unary(RuntimeServiceGrpc.getUpdateRuntimeConfigMethod(), new UpdateRuntimeConfigRpc(podCidr))
                .unary(RuntimeServiceGrpc.getRunPodSandboxMethod(), new RunPodSandboxRpc(
                        new SandboxCreator(config, sandboxes, network, containers.infra(), clock)))
                .unary(RuntimeServiceGrpc.getStopPodSandboxMethod(), new StopPodSandboxRpc(sandboxTeardown))
                .unary(RuntimeServiceGrpc.getRemovePodSandboxMethod(), new RemovePodSandboxRpc(sandboxTeardown))
                .unary(RuntimeServiceGrpc.getPodSandboxStatusMethod(), new PodSandboxStatusRpc(sandboxes,
                        containers.store(), clock))
                .unary(RuntimeServiceGrpc.getListPodSandboxMethod(), new ListPodSandboxRpc(sandboxes))
                .unary(RuntimeServiceGrpc.getCreateContainerMethod(), new CreateContainerRpc(containers.creator()))
                .unary(RuntimeServiceGrpc.getStartContainerMethod(), new StartContainerRpc(control))
                .unary(RuntimeServiceGrpc.getStopContainerMethod(), new StopContainerRpc(control))
                .unary(RuntimeServiceGrpc.getRemoveContainerMethod(), new RemoveContainerRpc(control))
                .unary(RuntimeServiceGrpc.getContainerStatusMethod(), new ContainerStatusRpc(containers.store()))
                .unary(RuntimeServiceGrpc.getListContainersMethod(), new ListContainersRpc(containers.store()))
                .unary(RuntimeServiceGrpc.getReopenContainerLogMethod(), new ReopenContainerLogRpc(control))
                .unary(RuntimeServiceGrpc.getUpdateContainerResourcesMethod(),
                        new UpdateContainerResourcesRpc(control, containers.liveResources()))
                .unary(RuntimeServiceGrpc.getCheckpointContainerMethod(),
                        new CheckpointContainerRpc(containers.checkpointer()))
                .unary(RuntimeServiceGrpc.getExecSyncMethod(), new ExecSyncRpc(
                        new ExecSync(containers.store(), containers.shims(), ExecSync.DEFAULT_OUTPUT_CAP)))
                .unary(RuntimeServiceGrpc.getExecMethod(), new ExecRpc(streams, streaming))
                .unary(RuntimeServiceGrpc.getAttachMethod(), new AttachRpc(streams, streaming))
                .unary(RuntimeServiceGrpc.getPortForwardMethod(), new PortForwardRpc(streams, streaming))
                .serverStream(RuntimeServiceGrpc.getGetContainerEventsMethod(), new GetContainerEventsRpc(events))
                .unary(RuntimeServiceGrpc.getContainerStatsMethod(), new ContainerStatsRpc(stats))
                .unary(RuntimeServiceGrpc.getListContainerStatsMethod(), new ListContainerStatsRpc(stats))
                .unary(RuntimeServiceGrpc.getPodSandboxStatsMethod(), new PodSandboxStatsRpc(stats))
                .unary(RuntimeServiceGrpc.getListPodSandboxStatsMethod(), new ListPodSandboxStatsRpc(stats))
                .unary(RuntimeServiceGrpc.getListMetricDescriptorsMethod(), new ListMetricDescriptorsRpc(stats))
                .unary(RuntimeServiceGrpc.getListPodSandboxMetricsMethod(), new ListPodSandboxMetricsRpc(stats));
    }

    private StatusRpc statusRpc() {
        return new StatusRpc(config, new RuntimeReadiness(config), network, podCidr, handlers);
    }

    /**
     * The admin socket's RPCs over the same stores, shim hosts and images as the CRI's. {@code archives} is the
     * image side's archive import and export.
     */
    public AdminService admin(ImageSystem images, ImageArchivePort archives) throws IOException {
        return new AdminService(
                new AdminVersionRpc(new VersionRpc().call(VersionRequest.getDefaultInstance()), HostBuild.current(),
                        config.defaultRuntime(), config.runtimes().values()),
                new HealthRpc(statusRpc(), new LiveShimHosts(containers.hosts()),
                        new DiskReport(config.root(), config.state(), images.usage())),
                new DebugDumpRpc(sandboxes, containers.store(), new DebugDumpRpc.RecordDirs(
                        config.root().resolve("sandboxes"), config.root().resolve("containers")),
                        SnapshotDirs.of(images.snapshotter()), config.cgroupDriver()),
                new ImportImageRpc(archives),
                ImportSpool.open(config.root().resolve("import-spool"), ImportSpool.Limits.DEFAULT),
                new ExportImageRpc(reference -> images.store().find(reference).map(Image::id), archives));
    }

    /** The server behind Exec/Attach/PortForward URLs; the daemon starts it once gRPC serves. */
    /** Starts the node's shim host if the grouping wants one and it is not running (see ShimHosts). */
    public void startNodeShimHost() throws IOException {
        containers.hosts().startNodeHost();
    }

    public StreamingEndpoint streaming() {
        return streaming;
    }

    /** The five ImageService RPCs over the image system. */
    public static RpcTable bindImageService(RpcTable table, ImageSystem images, BerthConfig config) {
        ImageHandlers handlers = new ImageHandlers(config.runtimes().keySet());
        return table
                .unary(ImageServiceGrpc.getPullImageMethod(), new PullImageRpc(images.puller(), images.usage(),
                        handlers))
                .unary(ImageServiceGrpc.getImageStatusMethod(), new ImageStatusRpc(images.store(), images.content(),
                        handlers))
                .unary(ImageServiceGrpc.getListImagesMethod(), new ListImagesRpc(images.store(), handlers))
                .unary(ImageServiceGrpc.getRemoveImageMethod(), new RemoveImageRpc(images.remover(), images.usage(),
                        handlers))
                .unary(ImageServiceGrpc.getImageFsInfoMethod(), new ImageFsInfoRpc(images.usage()));
    }

    /** Ids of the images that containers were created from, for image removal to report. */
    public Set<String> imagesInUse() {
        Set<String> ids = new HashSet<>();
        containers.store().list().forEach(c -> ids.add(c.metadata().imageId()));
        return ids;
    }

    /**
     * Ends every GetContainerEvents stream (UNAVAILABLE: reconnect). Call before stopping the gRPC server: an
     * open kubelet stream is an in-flight call that would otherwise hold the shutdown for its whole grace period.
     */
    public void closeEventStreams() {
        events.close();
    }

    /** Takes ownership: closed, in reverse order, when the wiring closes. */
    public <T extends AutoCloseable> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    /** Sandboxes whose pod network is attached: what the plugin must keep when it starts. */
    private Set<String> attachedPods() {
        Set<String> live = new HashSet<>();
        for (SandboxStore.Sandbox s : sandboxes.list()) {
            if (s.status().networkAttached()) {
                live.add(s.id());
            }
        }
        return live;
    }

    @Override
    public void close() {
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception e) {
                LOG.warning("closing " + owned.get(i).getClass().getSimpleName() + " failed: " + e.getMessage());
            }
        }
        owned.clear();
    }
}

package io.berth.server;

import io.berth.cri.v1.ImageServiceGrpc;
import io.berth.cri.v1.RuntimeServiceGrpc;
import io.berth.cri.v1.VersionRequest;
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
import io.berth.server.container.ContainerCheckpointer;
import io.berth.server.container.ContainerControl;
import io.berth.server.container.ContainerCreator;
import io.berth.server.container.ContainerStore;
import io.berth.server.container.ExecSync;
import io.berth.server.container.LiveResources;
import io.berth.server.container.ShimRegistry;
import io.berth.server.events.ContainerEventBus;
import io.berth.server.grpc.RpcTable;
import io.berth.server.image.ImageHandlers;
import io.berth.server.image.ImageSystem;
import io.berth.server.image.store.StoredImage;
import io.berth.server.podnetwork.PluginPodNetwork;
import io.berth.server.podnetwork.PodCidr;
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
import io.berth.server.runtimestatus.HandlerFeatures;
import io.berth.server.runtimestatus.RuntimeReadiness;
import io.berth.server.sandbox.SandboxCreator;
import io.berth.server.sandbox.SandboxStore;
import io.berth.server.sandbox.SandboxTeardown;
import io.berth.server.stats.StatsService;
import io.berth.server.streaming.StreamBackend;
import io.berth.server.streaming.server.StreamingEndpoint;
import io.berth.shim.HostBuild;
import io.berth.shim.client.ShimHosts;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;

/**
 * Which class answers which RPC, said in one place: the collaborators {@link CriWiring} built, handed to the RPC
 * objects of the CRI's two services and of the admin socket. It builds nothing but RPC objects; an RPC that is
 * not bound answers UNIMPLEMENTED. {@code images} is empty when a test brings images of its own, and then
 * ImageService is not bound.
 */
record CriRpcs(BerthConfig config, Clock clock, HandlerFeatures handlers, PodCidr podCidr, PluginPodNetwork network,
        SandboxStore sandboxes, SandboxCreator sandboxCreator, SandboxTeardown sandboxTeardown,
        ContainerStore containers, ShimRegistry shims, ContainerCreator creator, ContainerControl control,
        LiveResources liveResources, ContainerCheckpointer checkpointer, StreamBackend streams,
        StreamingEndpoint streaming, ContainerEventBus events, StatsService stats, Optional<ImageSystem> images) {

    RpcTable bind(RpcTable table) {
        bindRuntime(table);
        images.ifPresent(system -> bindImages(table, system));
        return table;
    }

    private void bindRuntime(RpcTable table) {
        table
                .unary(RuntimeServiceGrpc.getVersionMethod(), new VersionRpc(BuildInfo.version()))
                .unary(RuntimeServiceGrpc.getStatusMethod(), statusRpc())
                .unary(RuntimeServiceGrpc.getRuntimeConfigMethod(), new RuntimeConfigRpc(config))
                .unary(RuntimeServiceGrpc.getUpdateRuntimeConfigMethod(), new UpdateRuntimeConfigRpc(podCidr))
                .unary(RuntimeServiceGrpc.getRunPodSandboxMethod(), new RunPodSandboxRpc(sandboxCreator))
                .unary(RuntimeServiceGrpc.getStopPodSandboxMethod(), new StopPodSandboxRpc(sandboxTeardown))
                .unary(RuntimeServiceGrpc.getRemovePodSandboxMethod(), new RemovePodSandboxRpc(sandboxTeardown))
                .unary(RuntimeServiceGrpc.getPodSandboxStatusMethod(), new PodSandboxStatusRpc(sandboxes,
                        containers, clock))
                .unary(RuntimeServiceGrpc.getListPodSandboxMethod(), new ListPodSandboxRpc(sandboxes))
                .unary(RuntimeServiceGrpc.getCreateContainerMethod(), new CreateContainerRpc(creator))
                .unary(RuntimeServiceGrpc.getStartContainerMethod(), new StartContainerRpc(control))
                .unary(RuntimeServiceGrpc.getStopContainerMethod(), new StopContainerRpc(control))
                .unary(RuntimeServiceGrpc.getRemoveContainerMethod(), new RemoveContainerRpc(control))
                .unary(RuntimeServiceGrpc.getContainerStatusMethod(), new ContainerStatusRpc(containers))
                .unary(RuntimeServiceGrpc.getListContainersMethod(), new ListContainersRpc(containers))
                .unary(RuntimeServiceGrpc.getReopenContainerLogMethod(), new ReopenContainerLogRpc(control))
                .unary(RuntimeServiceGrpc.getUpdateContainerResourcesMethod(),
                        new UpdateContainerResourcesRpc(control, liveResources))
                .unary(RuntimeServiceGrpc.getCheckpointContainerMethod(), new CheckpointContainerRpc(checkpointer))
                .unary(RuntimeServiceGrpc.getExecSyncMethod(), new ExecSyncRpc(
                        new ExecSync(containers, shims, ExecSync.DEFAULT_OUTPUT_CAP)))
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

    private void bindImages(RpcTable table, ImageSystem system) {
        ImageHandlers imageHandlers = new ImageHandlers(config.runtimes().keySet());
        table
                .unary(ImageServiceGrpc.getPullImageMethod(), new PullImageRpc(system.puller(), system.usage(),
                        imageHandlers))
                .unary(ImageServiceGrpc.getImageStatusMethod(), new ImageStatusRpc(system.store(), system.content(),
                        imageHandlers))
                .unary(ImageServiceGrpc.getListImagesMethod(), new ListImagesRpc(system.store(), imageHandlers))
                .unary(ImageServiceGrpc.getRemoveImageMethod(), new RemoveImageRpc(system.remover(), system.usage(),
                        imageHandlers))
                .unary(ImageServiceGrpc.getImageFsInfoMethod(), new ImageFsInfoRpc(system.usage()));
    }

    /**
     * The admin socket's RPCs, over the same records, shim hosts and images as the CRI's. Opening the import spool
     * removes the uploads a berthd that died mid-import left behind.
     */
    AdminService admin(ImageSystem system, ShimHosts hosts) throws IOException {
        ImageArchivePort archives = ImageArchivePort.of(system.archives());
        return new AdminService(
                new AdminVersionRpc(new VersionRpc(BuildInfo.version()).call(VersionRequest.getDefaultInstance()),
                        HostBuild.current(), config.defaultRuntime(), config.runtimes().values()),
                new HealthRpc(statusRpc(), new LiveShimHosts(hosts),
                        new DiskReport(config.root(), config.state(), system.usage())),
                new DebugDumpRpc(sandboxes, containers, new DebugDumpRpc.RecordDirs(
                        config.root().resolve("sandboxes"), config.root().resolve("containers")),
                        SnapshotDirs.of(system.snapshotter()), config.cgroupDriver()),
                new ImportImageRpc(archives),
                ImportSpool.open(config.root().resolve("import-spool"), ImportSpool.Limits.DEFAULT),
                new ExportImageRpc(reference -> system.store().find(reference).map(StoredImage::id), archives));
    }

    private StatusRpc statusRpc() {
        return new StatusRpc(config, new RuntimeReadiness(config), network, podCidr, handlers);
    }
}

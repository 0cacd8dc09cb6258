package io.berth.server;

import io.berth.cri.v1.ImageServiceGrpc;
import io.berth.cri.v1.RuntimeServiceGrpc;
import io.berth.netplugin.NetworkPlugin;
import io.berth.server.admin.AdminService;
import io.berth.server.config.BerthConfig;
import io.berth.server.container.ContainerCheckpointer;
import io.berth.server.container.ContainerCleaner;
import io.berth.server.container.ContainerControl;
import io.berth.server.container.ContainerCreator;
import io.berth.server.container.ContainerExits;
import io.berth.server.container.ContainerOrphans;
import io.berth.server.container.ContainerRecovery;
import io.berth.server.container.ContainerStore;
import io.berth.server.container.ContainerStreams;
import io.berth.server.container.ImageLookup;
import io.berth.server.container.LiveResources;
import io.berth.server.container.ShimHostCgroup;
import io.berth.server.container.ShimRegistry;
import io.berth.server.container.StoredSandboxFacts;
import io.berth.server.container.spec.HostFacts;
import io.berth.server.container.spec.ImageVolumes;
import io.berth.server.container.spec.PosixHostFilesystem;
import io.berth.server.container.spec.ResourcesMapper;
import io.berth.server.container.spec.SpecBuilder;
import io.berth.server.events.ContainerEventBus;
import io.berth.server.events.ContainerEventPublisher;
import io.berth.server.grpc.RpcObserver;
import io.berth.server.grpc.RpcTable;
import io.berth.server.image.ImageSystem;
import io.berth.server.image.StoreImageLookup;
import io.berth.server.image.pull.PullObserver;
import io.berth.server.image.reclaim.ImageUsers;
import io.berth.server.metrics.DaemonMetrics;
import io.berth.server.metrics.JvmMetrics;
import io.berth.server.metrics.MetricsCatalog;
import io.berth.server.metrics.RpcMetrics;
import io.berth.server.podnetwork.NetworkPlugins;
import io.berth.server.podnetwork.NetworkStartup;
import io.berth.server.podnetwork.PluginPodNetwork;
import io.berth.server.podnetwork.PodCidr;
import io.berth.server.runtimestatus.HandlerFeatures;
import io.berth.server.runtimestatus.HostProbe;
import io.berth.server.sandbox.SandboxCreator;
import io.berth.server.sandbox.SandboxRecovery;
import io.berth.server.sandbox.SandboxStore;
import io.berth.server.sandbox.SandboxTeardown;
import io.berth.server.sandbox.init.CatatonitInit;
import io.berth.server.stats.HostCgroups;
import io.berth.server.stats.NetnsInterfaces;
import io.berth.server.stats.StatsService;
import io.berth.server.streaming.server.StreamingEndpoint;
import io.berth.shim.client.LaunchOptions;
import io.berth.shim.client.ShimClient;
import io.berth.shim.client.ShimGrouping;
import io.berth.shim.client.ShimHosts;
import io.berth.snapshotter.Snapshotter;
import io.grpc.ServerServiceDefinition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The composition root: every part of berthd is built here once, in the order written in the constructor, then
 * brought in line with the host by {@link #recover}, then bound to its RPC ({@link CriRpcs}). Nothing is
 * completed after it is built. Each store cleans its own debris when it opens, since that needs nothing else;
 * what needs several parts to agree is the recovery. Tests build the same wiring over images of their own.
 * Closing it stops what it started, in reverse order (not the containers: shims outlive berthd).
 */
public final class CriWiring implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(CriWiring.class.getName());
    /** The pod init's root is one static binary; it never mounts an image. */
    private static final ImageVolumes NO_IMAGE_VOLUMES = (image, subPath) -> {
        throw new IllegalStateException("the pod init mounts no image volumes");
    };

    private final List<AutoCloseable> owned = new ArrayList<>();
    private final BerthConfig config;
    private final MetricsCatalog metrics;
    private final ShimHosts hosts;
    private final ContainerEventBus events;
    private final StreamingEndpoint streaming;
    private final CriRpcs rpcs;
    private final Optional<AdminService> admin;

    /** Opens the image side, given which images containers use (image removal reports them). */
    @FunctionalInterface
    private interface ImageSource {
        Images open(ImageUsers users, PullObserver pulls) throws IOException;
    }

    /** What the container side takes from the image side; {@code system} is empty when a test brings its own. */
    private record Images(Snapshotter snapshotter, ImageLookup lookup, Optional<ImageSystem> system) {}

    /** berthd's wiring: its image system over the configured root serves ImageService and the admin socket. */
    public static CriWiring open(BerthConfig config, Clock clock) throws IOException {
        return new CriWiring(config, clock, (users, pulls) -> {
            ImageSystem system = ImageSystem.open(config, users, clock, pulls);
            return new Images(system.snapshotter(), new StoreImageLookup(system.store()), Optional.of(system));
        });
    }

    /**
     * A test's wiring: containers are made from the images in {@code snapshotter} that {@code images} finds. No
     * ImageService and no admin service; the caller keeps and closes the snapshotter.
     */
    public static CriWiring withImages(BerthConfig config, Clock clock, Snapshotter snapshotter, ImageLookup images)
            throws IOException {
        return new CriWiring(config, clock, (users, pulls) -> new Images(snapshotter, images, Optional.empty()));
    }

    private CriWiring(BerthConfig config, Clock clock, ImageSource imageSource) throws IOException {
        this.config = config;
        try {
            // Metrics first: the parts below report into them (pull and shim start times, live counts).
            metrics = new MetricsCatalog();
            // The JVM's own figures come from its management beans, whose set-up took some 30-60 ms of every
            // start; they are only read by the metrics endpoint, so only a berthd that serves one registers them.
            if (config.metrics().enabled()) {
                JvmMetrics.register(metrics);
            }
            DaemonMetrics daemonMetrics = new DaemonMetrics(metrics);
            // What the runtimes support, probed once: every spec and Status answer depends on it. Each runtime
            // is asked by running it ('runc features', tens of milliseconds), so the probe runs while the records
            // and the images load instead of before them.
            StartupTask<HandlerFeatures> handlerProbe = StartupTask.begin("handler-probe",
                    () -> HandlerFeatures.probe(config));

            // Lifecycle events leave from the container store's one update path. Its listener is built first and
            // given to the store, so it is in place before recovery and the exits recovery records are published
            // like any other; the store hands itself to the listener with each step.
            events = new ContainerEventBus();
            owned.add(events::close);
            // The records, loaded from disk, on a thread of their own while this one opens the image side: they
            // read different dirs and need nothing else. Image removal asks the container records which images
            // are in use, so the image side gets them through the load's future, long done by its first removal.
            StartupTask<Records> recordLoad = StartupTask.begin("record-load", () -> Records.load(config, events, clock));

            // The image side: a container's root is prepared on an image's snapshot, so it precedes the containers.
            // Opening it also clears what an interrupted pull or import left (scratch mounts, pull snapshots, layers
            // and blobs no image record needs); that concerns the image side alone, so it is not part of recover.
            Images images = imageSource.open(() -> imagesInUse(loaded(recordLoad).containers()),
                    pullMetrics(daemonMetrics));
            images.system().ifPresent(this::own);
            Records records = recordLoad.join();
            SandboxStore sandboxes = records.sandboxes();
            ContainerStore containers = records.containers();
            // Nothing above needs the runtimes' features or the host's facts; everything below does.
            HandlerFeatures handlers = handlerProbe.join();
            HostFacts host = HostProbe.detect(config, handlers.recursiveReadOnly(""));

            // The container side, in the direction exits travel: a host reports an exit to ContainerExits, which
            // records it. So the exits come before the hosts that deliver to them, and the registry (which reaches
            // shims through the hosts) and control (which waits on exits) come after; no part points back.
            ContainerCleaner cleaner = new ContainerCleaner(config, images.snapshotter());
            ContainerExits exits = new ContainerExits(containers, cleaner, clock);
            hosts = own(new ShimHosts(config.state().resolve("shims"),
                    LaunchOptions.defaults().withHostCgroup(new ShimHostCgroup(config)),
                    ShimGrouping.parse(config.shim().group()), exits::exited));
            ShimRegistry shims = new ShimRegistry(hosts, exits);
            ContainerControl control = new ContainerControl(containers, shims, cleaner, clock);
            ContainerCreator.ShimLauncher launcher = timedLaunch(hosts, daemonMetrics);
            StoredSandboxFacts sandboxFacts = new StoredSandboxFacts();
            PosixHostFilesystem hostFs = new PosixHostFilesystem();
            ContainerCreator creator = new ContainerCreator(config, containers, sandboxes, images.lookup(),
                    images.snapshotter(), volumes -> new SpecBuilder(host, hostFs, volumes), sandboxFacts, launcher,
                    shims, clock);
            CatatonitInit sandboxInit = new CatatonitInit(config, new SpecBuilder(host, hostFs, NO_IMAGE_VOLUMES),
                    sandboxFacts, launcher, CatatonitInit.CATATONIT, hosts::release);

            // The pod network: the plugin is only built here; it starts during recovery (see there).
            PodCidr podCidr = new PodCidr();
            NetworkPlugin plugin = NetworkPlugins.fromConfig(config, podCidr);
            NetworkStartup networkStartup = own(NetworkStartup.of(plugin, () -> attachedPods(sandboxes)));
            PluginPodNetwork network = new PluginPodNetwork(plugin, networkStartup);

            // The sandbox side uses the pod init, the network and the containers' control (a pod's removal
            // removes its containers), so it comes after all three.
            SandboxCreator sandboxCreator = new SandboxCreator(config, sandboxes, network, sandboxInit, clock);
            SandboxTeardown sandboxTeardown = new SandboxTeardown(sandboxes, network, control, sandboxInit);

            // Readers over everything above: streaming, stats, the live counts.
            ContainerStreams streams = new ContainerStreams(containers, sandboxes, shims::get);
            streaming = own(new StreamingEndpoint(streams));
            // The snapshotter root is what ImageFsInfo reports as the container filesystem (see ImageSystem).
            StatsService stats = own(new StatsService(containers, sandboxes, images.snapshotter(),
                    config.root().resolve("snapshots"), HostCgroups.detect(), new NetnsInterfaces(),
                    host.cgroupDriver(), clock));
            daemonMetrics.countSandboxes(() -> sandboxes.list().size());
            daemonMetrics.countContainers(() -> containers.list().size());
            daemonMetrics.countShims(shims::size);

            rpcs = new CriRpcs(config, clock, handlers, podCidr, network, sandboxes, sandboxCreator,
                    sandboxTeardown, containers, shims, creator, control,
                    new LiveResources(config, new ResourcesMapper(host)),
                    new ContainerCheckpointer(containers, cleaner, images.snapshotter(), clock), streams, streaming,
                    events, stats, images.system());
            admin = images.system().isPresent()
                    ? Optional.of(rpcs.admin(images.system().get(), hosts)) : Optional.empty();

            recover(sandboxes, sandboxInit, new ContainerRecovery(containers, shims, exits, clock), networkStartup,
                    new ContainerOrphans(config, containers, () -> recordedIds(sandboxes), images.snapshotter(),
                            hosts::release), control);
            // Background work begins once the records are true again, so its first round sees the recovered state.
            stats.startHousekeeping(StatsService.LAYER_REFRESH);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Brings the records in line with the host after berthd stopped, crashed or the node rebooted, before
     * anything is served. The order matters; each step says why it comes where it does.
     */
    private void recover(SandboxStore sandboxes, CatatonitInit sandboxInit, ContainerRecovery containerRecovery,
            NetworkStartup networkStartup, ContainerOrphans containerOrphans, ContainerControl control)
            throws IOException {
        // 1. Sandboxes: one whose namespaces, state dir or init are gone is NOTREADY. It needs nothing the later
        //    steps do (the init is asked through its own socket, not through a host subscription) and nothing
        //    they do changes its answer, so it simply comes first.
        SandboxRecovery.reconcile(sandboxes, sandboxInit);
        // 4, begun here. The network plugin: rebuilds its host state and releases networks that no sandbox record
        //    still owes a tear-down (a set-up cut short by a crash). It reads the sandboxes as step 1 left them and
        //    nothing in steps 2-3b touches a pod network, so it runs beside them on the other core (an nft run and
        //    netlink calls for every pod, ~50 ms with 50 pods). Joined before step 5, which takes away the
        //    namespaces that CNI DEL needs, and so before serving: a working plugin is ready for the first
        //    RunPodSandbox. A failure is not fatal: it is retried in the background, and Status says why pods get
        //    no network.
        StartupTask<Void> network = StartupTask.begin("network-startup", () -> {
            networkStartup.begin();
            return null;
        });
        try {
            // 2. Shim hosts that outlived the last berthd: reattached, their exit streams subscribed and the held
            //    stdio taken again. Before the containers, so that an exit during step 3 reaches ContainerExits
            //    and a container's shim can be reached through its host.
            hosts.start();
            // 3. Containers: live shims reattached and watched again, exits that happened while berthd was down
            //    recorded with their real codes, a container whose shim is gone made EXITED (never left RUNNING).
            containerRecovery.reconcile();
            // 3b. Containers whose pod record was found unreadable and dropped at load: removed. After step 3, so
            //     that their shims are reachable; before step 5, which takes the pod's namespaces away from under
            //     them.
            containerOrphans.removeThoseOfUnrecordedPods(control);
        } finally {
            // Also when a step above failed: the wiring's close must not race the plugin's start.
            network.joinQuietly();
        }
        // 5. Sandbox dirs no record owns (RunPodSandbox cut short): taken down. After step 4, which has torn down
        //    their networks; CNI DEL wants the namespace still there.
        SandboxRecovery.removeOrphans(config.state(), sandboxes, sandboxInit);
        // 6. Container debris no record owns (CreateContainer cut short, or a container record dropped at load):
        //    the shim's container, the runtime's,
        //    the mounts, run dir and snapshots. After step 2, so the shim that carries one can delete it, and after
        //    step 5, whose pod inits share the runtime's root and are not containers of any record either.
        containerOrphans.remove();
    }

    /** The CRI's two services as berthd serves them: every RPC timed into the metrics, then logged at debug. */
    public List<ServerServiceDefinition> criServices() {
        return rpcs.bind(new RpcTable(new RpcMetrics(metrics, RpcObserver.debugLog())))
                .build(RuntimeServiceGrpc.getServiceDescriptor(), ImageServiceGrpc.getServiceDescriptor());
    }

    /** The admin socket's service (version, health, debug dump, image import and export). */
    public ServerServiceDefinition adminService() {
        return admin.orElseThrow(() -> new IllegalStateException("a wiring over a test's own images has no admin"
                + " service")).definition(RpcObserver.debugLog());
    }

    /** What the metrics endpoint serves. */
    public MetricsCatalog metrics() {
        return metrics;
    }

    /** Starts the server behind Exec/Attach/PortForward URLs; until then those RPCs answer UNAVAILABLE. */
    public void startStreaming() throws IOException {
        streaming.start(config.streaming());
    }

    /** Starts the node's shim host if the grouping wants one and it is not running (see ShimHosts). */
    public void startNodeShimHost() throws IOException {
        hosts.startNodeHost();
    }

    /**
     * Ends every GetContainerEvents stream (UNAVAILABLE: reconnect). Call before stopping the gRPC server: an
     * open kubelet stream is an in-flight call that would otherwise hold the shutdown for its whole grace period.
     */
    public void closeEventStreams() {
        events.close();
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

    private <T extends AutoCloseable> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    /** Shim launches through the hosts, each timed until the container exists in its host. */
    private static ContainerCreator.ShimLauncher timedLaunch(ShimHosts hosts, DaemonMetrics metrics) {
        return shimConfig -> {
            long start = System.nanoTime();
            ShimClient shim = hosts.create(shimConfig);
            // The time CreateContainer (or RunPodSandbox) waited for its shim, a cold host start included.
            metrics.shimStarted(Duration.ofNanos(System.nanoTime() - start));
            return shim;
        };
    }

    /** The pulls' outcomes and their layers' progress, as metrics. */
    private static PullObserver pullMetrics(DaemonMetrics metrics) {
        return new PullObserver() {
            @Override
            public void pulled(long downloadedBytes, Duration took) {
                metrics.imagePulled(downloadedBytes, took);
            }

            @Override
            public void failed(long downloadedBytes) {
                metrics.imagePullFailed(downloadedBytes);
            }

            @Override
            public void layerBytes(String image, String layer, long done) {
                metrics.imagePullLayerBytes(image, layer, done);
            }

            @Override
            public void ended(String image, Collection<String> layers) {
                metrics.imagePullEnded(image, layers);
            }
        };
    }

    /** Ids of the images that containers were created from, for image removal to report. */
    private static Set<String> imagesInUse(ContainerStore containers) {
        Set<String> ids = new HashSet<>();
        containers.list().forEach(c -> ids.add(c.metadata().imageId()));
        return ids;
    }

    /** Ids of the recorded sandboxes: their pod inits are the runtime's containers that no container record owns. */
    private static Set<String> recordedIds(SandboxStore sandboxes) {
        Set<String> ids = new HashSet<>();
        sandboxes.list().forEach(s -> ids.add(s.id()));
        return ids;
    }

    /** Sandboxes whose pod network is attached: what the plugin must keep when it starts. */
    private static Set<String> attachedPods(SandboxStore sandboxes) {
        Set<String> live = new HashSet<>();
        for (SandboxStore.Sandbox s : sandboxes.list()) {
            if (s.status().networkAttached()) {
                live.add(s.id());
            }
        }
        return live;
    }

    /** The pod and container records as found on disk. */
    private record Records(SandboxStore sandboxes, ContainerStore containers) {
        static Records load(BerthConfig config, ContainerEventBus events, Clock clock) throws IOException {
            SandboxStore sandboxes = new SandboxStore(config.root().resolve("sandboxes"));
            return new Records(sandboxes, new ContainerStore(config.root().resolve("containers"),
                    new ContainerEventPublisher(events, sandboxes, clock)));
        }
    }

    /** The records for a question asked after start-up, when their load has long ended (well or not). */
    private static Records loaded(StartupTask<Records> load) {
        try {
            return load.join();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.berth.server.container;

import io.berth.server.config.BerthConfig;
import io.berth.server.container.spec.HostFacts;
import io.berth.server.container.spec.ImageVolumes;
import io.berth.server.container.spec.PosixHostFilesystem;
import io.berth.server.container.spec.ResourcesMapper;
import io.berth.server.container.spec.SpecBuilder;
import io.berth.server.sandbox.SandboxStore;
import io.berth.shim.client.LaunchOptions;
import io.berth.shim.client.ShimGrouping;
import io.berth.shim.client.ShimHosts;
import io.berth.snapshotter.Snapshotter;
import java.io.IOException;
import io.berth.shim.client.ShimClient;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Function;

/** The container side of berthd, assembled once: store, shims, create, control, the pod init, recovery. */
public final class ContainerService implements AutoCloseable {
    private final ContainerStore store;
    private final ShimRegistry shims;
    private final ContainerControl control;
    private final ContainerCreator creator;
    private final PodInfra infra;
    private final LiveResources liveResources;
    private final ContainerCheckpointer checkpointer;
    private final ContainerRecovery recovery;
    private final ShimHosts hosts;

    public ContainerService(BerthConfig config, SandboxStore sandboxes, ImageLookup images, Snapshotter snapshotter,
            HostFacts host, Clock clock, Consumer<Duration> shimStarted) throws IOException {
        store = new ContainerStore(config.root().resolve("containers"));
        ContainerControl[] controlRef = new ContainerControl[1];
        shims = new ShimRegistry((id, exit) -> controlRef[0].recordExit(id, exit));
        ContainerCleaner cleaner = new ContainerCleaner(config, snapshotter);
        control = new ContainerControl(store, shims, cleaner, clock);
        controlRef[0] = control;
        PosixHostFilesystem hostFs = new PosixHostFilesystem();
        Function<ImageVolumes, SpecBuilder> specs = volumes -> new SpecBuilder(host, hostFs, volumes);
        SpecBuilder infraSpecs = specs.apply((image, subPath) -> {
            throw new IllegalStateException("the pod init mounts no image volumes");
        });
        hosts = new ShimHosts(config.state().resolve("shims"), launchOptions(config),
                ShimGrouping.parse(config.shim().group()), shims::exited);
        shims.useHosts(hosts);
        ContainerCreator.ShimLauncher launcher = shimConfig -> {
            long start = System.nanoTime();
            ShimClient shim = hosts.create(shimConfig);
            // Until the container is created in its host: the time CreateContainer (or RunPodSandbox) waited.
            shimStarted.accept(Duration.ofNanos(System.nanoTime() - start));
            return shim;
        };
        PodFacts podFacts = new PodFacts();
        creator = new ContainerCreator(config, store, sandboxes, images, snapshotter, specs, podFacts, launcher, shims,
                clock);
        infra = new PodInfra(config, infraSpecs, podFacts, launcher, PodInfra.CATATONIT, hosts::release);
        liveResources = new LiveResources(config, new ResourcesMapper(host));
        checkpointer = new ContainerCheckpointer(store, cleaner, new CheckpointArchive(snapshotter, clock));
        recovery = new ContainerRecovery(store, shims, control, clock);
    }

    public ContainerStore store() {
        return store;
    }

    public ShimRegistry shims() {
        return shims;
    }

    public ContainerControl control() {
        return control;
    }

    public ContainerCreator creator() {
        return creator;
    }

    public PodInfra infra() {
        return infra;
    }

    public LiveResources liveResources() {
        return liveResources;
    }

    public ContainerCheckpointer checkpointer() {
        return checkpointer;
    }

    private static LaunchOptions launchOptions(BerthConfig config) {
        return LaunchOptions.defaults().withHostCgroup(new ShimHostCgroup(config));
    }

    public ShimHosts hosts() {
        return hosts;
    }

    /** Ends the subscriptions to the shim hosts; the hosts and their containers run on without berthd. */
    @Override
    public void close() {
        hosts.close();
    }

    /** Reattaches to the shim hosts that outlived the last berthd, then to the containers that were live when it stopped. */
    public void recover() throws IOException {
        hosts.start();
        recovery.reconcile();
    }
}

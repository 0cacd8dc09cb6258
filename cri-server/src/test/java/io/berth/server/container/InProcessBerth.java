package io.berth.server.container;

import io.berth.server.CriWiring;
import io.berth.server.config.BerthConfig;
import io.berth.server.config.ConfigLoader;
import io.berth.server.grpc.InProcessCri;
import io.berth.snapshotter.Snapshotter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;

/**
 * berthd's real wiring served in-process over temp roots, with a pod bridge and subnet of its own so that
 * tests running side by side on one host never share a bridge. Closing it takes the bridge away too.
 */
final class InProcessBerth implements AutoCloseable {
    final BerthConfig config;
    private final String bridge;
    private CriWiring wiring;
    private InProcessCri cri;

    InProcessBerth(Path dir) throws Exception {
        int n = ThreadLocalRandom.current().nextInt(1, 250);
        bridge = "bct" + n;
        Path toml = Files.writeString(dir.resolve("config.toml"), "[network]\nbridge = \"" + bridge
                + "\"\nsubnet = \"10.216." + n + ".0/24\"\n");
        config = ConfigLoader.load(toml).withPaths(dir.resolve("root"), dir.resolve("state"), dir.resolve("s.sock"));
    }

    /** Starts (or, after {@link #stopServing}, restarts) the services over the same roots. */
    InProcessCri serve(Snapshotter snapshotter, ImageLookup images) throws Exception {
        wiring = CriWiring.withImages(config, Clock.systemUTC(), snapshotter, images);
        cri = new InProcessCri(wiring.criServices());
        return cri;
    }

    /** Stops serving without stopping any container, as a daemon crash would. */
    void stopServing() throws Exception {
        cri.close();
        wiring.close();
    }

    @Override
    public void close() throws Exception {
        stopServing();
        // Shim hosts outlive berthd by design; the test started this one, so it ends it.
        io.berth.shim.client.ShimHosts.killAll(config.state().resolve("shims"));
        // The bridge outlives its pods by design (as CNI's does); the test made it, so it takes it away.
        new ProcessBuilder("ip", "link", "del", bridge).redirectErrorStream(true).start().waitFor();
    }
}

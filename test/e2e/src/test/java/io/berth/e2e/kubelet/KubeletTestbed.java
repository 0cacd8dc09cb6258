package io.berth.e2e.kubelet;

import io.berth.e2e.critest.CritestImages;
import io.berth.e2e.critest.CritestRun;
import io.berth.e2e.fixtures.RegistryProcess;
import io.berth.e2e.harness.BerthdOptions;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.harness.GoTools;
import io.berth.e2e.harness.ScratchDir;
import io.berth.e2e.harness.TestBridge;
import java.net.URI;
import java.nio.file.Path;

/**
 * What every kubelet class starts from: kubelet built, critest's images (busybox, nginx, pause, ...) in a local
 * registry that berthd reaches through hosts.toml mirrors for registry.k8s.io and gcr.io, a bridge of the class's
 * own, and the packaged berthd. berthd is closed by the class's {@link E2eDaemons}; {@link #close()} takes the
 * registry and the bridge away.
 */
final class KubeletTestbed implements AutoCloseable {
    private final RegistryProcess registry;
    private final TestBridge bridge;
    private final BerthdProcess berthd;
    private final ScratchDir scratch;

    private KubeletTestbed(RegistryProcess registry, TestBridge bridge, BerthdProcess berthd, ScratchDir scratch) {
        this.registry = registry;
        this.bridge = bridge;
        this.berthd = berthd;
        this.scratch = scratch;
    }

    /** {@code bridgePrefix}: 3 letters naming the class in its bridge (10.225.x.0/24 ranges are kubelet's). */
    static KubeletTestbed start(E2eDaemons daemons, String bridgePrefix) throws Exception {
        E2eSettings.assumeRoot();
        E2eSettings.assumeOwnBerthd();
        GoTools.kubelet();
        ScratchDir scratch = daemons.scratchDir("kubelet-" + bridgePrefix + "-");
        RegistryProcess registry = RegistryProcess.start(scratch.resolve("registry"));
        TestBridge bridge = null;
        try {
            bridge = TestBridge.reserve(bridgePrefix, 225);
            CritestImages.pushAll(URI.create(registry.url()));
            Path etc = CritestRun.mirrors(scratch.resolve("etc-berth"), registry.host());
            BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults().withConfig(
                    "[image]\nregistry_config_dir = \"" + etc + "\"\n" + bridge.config()));
            return new KubeletTestbed(registry, bridge, berthd, scratch);
        } catch (Exception | Error e) {
            if (bridge != null) {
                bridge.close();
            }
            registry.close();
            throw e;
        }
    }

    RegistryProcess registry() {
        return registry;
    }

    TestBridge bridge() {
        return bridge;
    }

    BerthdProcess berthd() {
        return berthd;
    }

    /** A temp dir of the class's, removed when the class ends. */
    ScratchDir scratch() {
        return scratch;
    }

    @Override
    public void close() {
        bridge.close();
        registry.close();
    }
}
